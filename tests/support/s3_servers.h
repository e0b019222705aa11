#pragma once

#include "core/storage/s3_config.h"

#include <string>

namespace imgpipe::test {

// The S3 servers started by tests/s3/moto.py for this ctest run (state file in
// IMGPIPE_TEST_S3_STATE): "auth" checks SigV4 signatures, "open" checks nothing.
struct S3Server {
    std::string endpoint;
    std::string key;
    std::string secret;
    std::string bucket;
    std::string region;
    int pid = 0;
};

// Throws (failing the test) when the state file is missing: S3 tests never skip themselves.
S3Server s3_server(const std::string& which);
std::string s3_state_file();
// An S3Config for that server with its own fresh prefix, so that tests do not see each other.
S3Config s3_config(const std::string& which, const std::string& prefix_hint);
// Runs tests/s3/s3_tool.py (boto3) against a server; returns its standard output.
std::string s3_tool(const std::string& which, const std::string& args, int* exit_code = nullptr);
// Pauses (SIGSTOP) or resumes (SIGCONT) a server through tests/s3/moto.py.
void s3_pause(const std::string& which, bool pause);

} // namespace imgpipe::test
