#include "support/s3_servers.h"

#include "support/command.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace imgpipe::test {

namespace {

nlohmann::json state() {
    std::ifstream in(s3_state_file());
    if (!in) throw std::runtime_error("no S3 server state in " + s3_state_file());
    return nlohmann::json::parse(in);
}

} // namespace

std::string s3_state_file() {
    const char* f = std::getenv("IMGPIPE_TEST_S3_STATE");
    if (!f || !*f) throw std::runtime_error("IMGPIPE_TEST_S3_STATE is not set: run the S3 tests through ctest");
    return f;
}

S3Server s3_server(const std::string& name) {
    const auto all = state();
    if (!all.at("servers").contains(name)) {
        throw std::runtime_error("the S3 server '" + name + "' was not started: " +
                                 all.at("absent").value(name, std::string("no such server")));
    }
    const auto& j = all.at("servers").at(name);
    return {name, j.at("endpoint"), j.at("key"), j.at("secret"), j.at("bucket"), j.at("region"), j.at("pid")};
}

std::optional<std::string> s3_server_absent(const std::string& name) {
    const auto all = state();
    if (all.at("servers").contains(name)) return std::nullopt;
    return all.at("absent").value(name, "the S3 server '" + name + "' is not known to tests/s3/servers.py");
}

std::string s3_store() { return state().at("store"); }

S3Config s3_config(const std::string& name, const std::string& prefix_hint) {
    static std::atomic<int> counter{0};
    const S3Server s = s3_server(name);
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

std::string s3_tool(const std::string& name, const std::string& args, int* exit_code) {
    return run_command(std::string("python3 ") + IMGPIPE_TEST_S3_TOOL + " " + s3_state_file() + " " + name + " " +
                           args,
                       exit_code);
}

void s3_pause(const std::string& name, bool pause) {
    run_command(std::string("python3 ") + IMGPIPE_TEST_S3_SERVERS + (pause ? " pause " : " resume ") +
                    s3_state_file() + " " + name,
                nullptr);
}

} // namespace imgpipe::test
