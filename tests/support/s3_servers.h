#pragma once

#include "core/storage/s3_config.h"

#include <optional>
#include <string>

namespace imgpipe::test {

// The S3 servers tests/s3/servers.py started for this ctest run (state file in
// IMGPIPE_TEST_S3_STATE), by name: "s3rver" always (SigV4 checked, connections kept alive);
// "moto_auth" (SigV4 checked) and "moto_open" (nothing checked) when moto_server is installed.
struct S3Server {
    std::string name;
    std::string endpoint;
    std::string key;
    std::string secret;
    std::string bucket;
    std::string region;
    int pid = 0;
};

// Throws (failing the test) when the state file is missing or the server was not started: S3
// tests never skip themselves silently.
S3Server s3_server(const std::string& name);
// Why `name` was not started on this machine (moto_server not installed), or nothing when it runs.
// A test of that server reports the reason with GTEST_SKIP (ctest lists it as skipped).
std::optional<std::string> s3_server_absent(const std::string& name);
// The name of the server the S3 and cluster end-to-end runs store on (s3rver unless the run was
// started with IMGPIPE_TEST_S3_STORE).
std::string s3_store();
std::string s3_state_file();
// An S3Config for that server with its own fresh prefix, so that tests do not see each other.
S3Config s3_config(const std::string& name, const std::string& prefix_hint);
// Runs tests/s3/s3_tool.py (boto3) against a server; returns its standard output.
std::string s3_tool(const std::string& name, const std::string& args, int* exit_code = nullptr);
// Pauses (SIGSTOP) or resumes (SIGCONT) a server through tests/s3/servers.py.
void s3_pause(const std::string& name, bool pause);

} // namespace imgpipe::test
