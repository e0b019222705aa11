#include "support/s3_servers.h"

#include "support/command.h"

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace imgpipe::test {

std::string s3_state_file() {
    const char* f = std::getenv("IMGPIPE_TEST_S3_STATE");
    if (!f || !*f) throw std::runtime_error("IMGPIPE_TEST_S3_STATE is not set: run the S3 tests through ctest");
    return f;
}

S3Server s3_server(const std::string& which) {
    std::ifstream in(s3_state_file());
    if (!in) throw std::runtime_error("no S3 server state in " + s3_state_file());
    const auto j = nlohmann::json::parse(in).at(which);
    return {j.at("endpoint"), j.at("key"), j.at("secret"), j.at("bucket"), j.at("region"), j.at("pid")};
}

S3Config s3_config(const std::string& which, const std::string& prefix_hint) {
    static std::atomic<int> counter{0};
    const S3Server s = s3_server(which);
    S3Config c;
    c.bucket = s.bucket;
    c.prefix = prefix_hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "/";
    c.endpoint = s.endpoint;
    c.region = s.region;
    c.path_style = true;
    c.access_key = s.key;
    c.secret_key = s.secret;
    return c;
}

std::string s3_tool(const std::string& which, const std::string& args, int* exit_code) {
    return run_command(std::string("python3 ") + IMGPIPE_TEST_S3_TOOL + " " + s3_state_file() + " " + which +
                   " " + args,
               exit_code);
}

void s3_pause(const std::string& which, bool pause) {
    run_command(std::string("python3 ") + IMGPIPE_TEST_MOTO + (pause ? " pause " : " resume ") + s3_state_file() +
            " " + which,
        nullptr);
}

} // namespace imgpipe::test
