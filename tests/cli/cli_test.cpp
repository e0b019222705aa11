// The command line as a person meets it: flags, --version, key checks, the start-up line, a taken
// port, the offline transform's refusals, and `make install`'s files (systemd-analyze verify on
// the unit). One process, one server shared by the tests that need one.
#include "e2e/harness.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

namespace imgpipe::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = imgpipe_binary();

// The shell-quoted command `imgpipe ARGS` with standard error on standard output; a process that
// does not end within 30 s is stopped (a start that should have failed must not hang the suite).
struct Outcome {
    int rc = -1;
    std::string out;
};
Outcome imgpipe(const std::string& args, const std::string& env = "") {
    Outcome r;
    r.out = run_command(env + " timeout 30 '" + kBinary + "' " + args + " 2>&1", &r.rc);
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

nlohmann::json print_config(const std::string& args, const std::string& env = "") {
    const Outcome r = imgpipe("serve --print-config " + args, env);
    EXPECT_EQ(r.rc, 0) << r.out;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
}

// A server on a free loopback port with its own data directory; its start-up line kept.
struct StartedServer {
    std::string dir = make_temp_dir("imgpipe-cli");
    ChildProcess process;
    std::string line;

    explicit StartedServer(const std::vector<std::string>& flags) {
        std::vector<std::string> argv{kBinary, "serve", "--port", "0", "--data", dir + "/data"};
        argv.insert(argv.end(), flags.begin(), flags.end());
        line = process.start(argv, "listening on", false, dir + "/log");
    }
    ~StartedServer() {
        process.stop();
        fs::remove_all(dir);
    }
    std::string url() const { return line.substr(line.rfind("listening on ") + 13); }
    int port() const { return std::stoi(line.substr(line.rfind(':') + 1)); }
};

// The shared one: API keys, private networks allowed.
StartedServer& keyed_server() {
    static StartedServer s({"--api-keys", "cli-test-key-0123456789", "--allow-private-networks"});
    return s;
}

TEST(Cli, VersionIsTheProjectVersion) {
    int rc = -1;
    const std::string out = run_command("'" + kBinary + "' --version", &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_EQ(out, "imgpipe " IMGPIPE_PROJECT_VERSION "\n");
}

TEST(Cli, BooleansWorkBareAndWithAValue) {
    auto j = print_config("--allow-private-networks --preset thumb=scale:100x --presets-only");
    EXPECT_EQ(j["fetch"]["allow_private_networks"], true);
    EXPECT_EQ(j["presets"]["presets_only"], true);
    EXPECT_EQ(j["signing"]["public_bytes"], true) << "the default";
    // A bare boolean before another flag takes no value from it.
    j = print_config("--allow-private-networks --port 9001 --public-bytes false");
    EXPECT_EQ(j["fetch"]["allow_private_networks"], true);
    EXPECT_EQ(j["server"]["port"], 9001);
    EXPECT_EQ(j["signing"]["public_bytes"], false);
    j = print_config("--public-bytes=false --allow-private-networks=true --presets-only false");
    EXPECT_EQ(j["signing"]["public_bytes"], false);
    EXPECT_EQ(j["fetch"]["allow_private_networks"], true);
    EXPECT_EQ(j["presets"]["presets_only"], false);
    j = print_config("", "IMGPIPE_ALLOW_PRIVATE_NETWORKS=true IMGPIPE_PUBLIC_BYTES=false");
    EXPECT_EQ(j["fetch"]["allow_private_networks"], true);
    EXPECT_EQ(j["signing"]["public_bytes"], false);
    // Not a boolean: refused in one line, not read as false.
    const Outcome bad = imgpipe("serve --print-config --public-bytes maybe");
    EXPECT_NE(bad.rc, 0);
    ASSERT_EQ(lines_of(bad.out).size(), 1u) << bad.out;
    EXPECT_TRUE(bad.out.starts_with("imgpipe: ")) << bad.out;
    EXPECT_NE(bad.out.find("maybe"), std::string::npos) << bad.out;

    // transform --literal is bare too, before or after the positional arguments.
    const std::string dir = make_temp_dir("imgpipe-cli-literal");
    test::write_file(dir + "/in.jpg", test::encode(test::photo_like(400, 300), ".jpg"));
    for (const std::string& args : {"--literal " + dir + "/in.jpg " + dir + "/out.png 'scale:100x'",
                                    dir + "/in.jpg " + dir + "/out.png 'scale:100x' --literal"}) {
        const Outcome r = imgpipe("transform " + args);
        ASSERT_EQ(r.rc, 0) << r.out;
        EXPECT_EQ(nlohmann::json::parse(r.out)["shrink_on_load"], false) << r.out;
    }
    const Outcome planned =
        imgpipe("transform " + dir + "/in.jpg " + dir + "/out.png 'scale:100x'");
    ASSERT_EQ(planned.rc, 0) << planned.out;
    EXPECT_EQ(nlohmann::json::parse(planned.out)["shrink_on_load"], true) << planned.out;
    fs::remove_all(dir);
}

TEST(Cli, AShortKeyIsRefusedInTheSameWordsEverywhere) {
    const std::string target = "00000000-0000-4000-8000-000000000000/rotate:90";
    const std::vector<Outcome> runs = {
        imgpipe("serve --transform-key short-key"),
        imgpipe("serve --print-config --transform-key short-key"),
        imgpipe("sign '" + target + "' --transform-key short-key"),
        imgpipe("sign '" + target + "'", "IMGPIPE_TRANSFORM_KEY=short-key"),
    };
    for (const Outcome& r : runs) {
        EXPECT_EQ(r.rc, 2) << r.out;
        EXPECT_EQ(r.out, "imgpipe: transform-key must be at least 16 characters\n");
    }
    Outcome r = imgpipe("serve --print-config --secret short-secret");
    EXPECT_EQ(r.rc, 2);
    EXPECT_EQ(r.out, "imgpipe: secret must be at least 16 characters\n");
    r = imgpipe("serve --print-config --api-keys short-key");
    EXPECT_EQ(r.rc, 2);
    EXPECT_EQ(r.out, "imgpipe: API keys must be at least 16 characters\n");
    // 16 characters are enough.
    r = imgpipe("sign '" + target + "' --transform-key 0123456789abcdef");
    EXPECT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
}

TEST(Cli, SignWithoutAKeySaysTheKeyIsMissing) {
    const Outcome r =
        imgpipe("sign 00000000-0000-4000-8000-000000000000/rotate:90", "IMGPIPE_TRANSFORM_KEY=");
    EXPECT_EQ(r.rc, 2);
    ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
    EXPECT_NE(r.out.find("transform key is missing"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--transform-key"), std::string::npos) << r.out;
}

TEST(Cli, TheStartUpLineSaysWhatAPersonNeeds) {
    StartedServer& keyed = keyed_server();
    const std::string data = keyed.dir + "/data";
    EXPECT_NE(keyed.line.find("imgpipe " IMGPIPE_PROJECT_VERSION ": "), std::string::npos)
        << keyed.line;
    EXPECT_NE(keyed.line.find("storage local " + data + ";"), std::string::npos) << keyed.line;
    EXPECT_NE(keyed.line.find("uploads need an API key"), std::string::npos) << keyed.line;
    EXPECT_NE(keyed.line.find("transforms unsigned"), std::string::npos) << keyed.line;
    EXPECT_NE(keyed.line.find("links may reach private networks"), std::string::npos) << keyed.line;
    EXPECT_EQ(keyed.url(), "http://127.0.0.1:" + std::to_string(keyed.port())) << keyed.line;
    EXPECT_EQ(keyed.line.find("cli-test-key"), std::string::npos) << "a key was printed";
    EXPECT_EQ(http_get(keyed.url() + "/health").status, 200);

    StartedServer open(
        {"--transform-key", "cli-transform-key-0123", "--fetch-allow-networks", "10.1.2.0/24"});
    EXPECT_NE(open.line.find("uploads open (no API keys)"), std::string::npos) << open.line;
    EXPECT_NE(open.line.find("transforms need ?sig="), std::string::npos) << open.line;
    EXPECT_NE(open.line.find("links public addresses only and 10.1.2.0/24"), std::string::npos)
        << open.line;
    EXPECT_EQ(open.line.find("cli-transform-key"), std::string::npos) << "the key was printed";
    EXPECT_EQ(open.process.stop(), 0) << "SIGTERM ends it cleanly";
}

bool has_ipv6_loopback() {
    const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

TEST(Cli, AnIpv6AddressIsInBrackets) {
    if (!has_ipv6_loopback())
        GTEST_SKIP() << "no ::1 on this machine";
    StartedServer v6({"--host", "::1"});
    EXPECT_EQ(v6.url(), "http://[::1]:" + std::to_string(v6.port())) << v6.line;
    EXPECT_EQ(http_get(v6.url() + "/health").status, 200);
}

TEST(Cli, ATakenPortIsNamedAndNothingIsCreated) {
    const int port = keyed_server().port();
    const std::string dir = make_temp_dir("imgpipe-cli-taken");
    const std::string data = dir + "/data";
    for (const char* format : {"text", "json"}) {
        const Outcome r = imgpipe("serve --port " + std::to_string(port) + " --data " + data +
                                  " --log-format " + format);
        EXPECT_EQ(r.rc, 1) << r.out;
        ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
        EXPECT_NE(r.out.find("cannot listen on 127.0.0.1:" + std::to_string(port) +
                             ": Address already in use"),
                  std::string::npos)
            << r.out;
        EXPECT_NE(r.out.find("--port"), std::string::npos) << r.out;
        EXPECT_FALSE(fs::exists(data)) << "the data directory was created";
    }
    const Outcome host = imgpipe("serve --host localhost --port 0 --data " + data);
    EXPECT_EQ(host.rc, 1) << host.out;
    ASSERT_EQ(lines_of(host.out).size(), 1u) << host.out;
    EXPECT_NE(host.out.find("--host must be an IP address"), std::string::npos) << host.out;
    EXPECT_FALSE(fs::exists(data));
    EXPECT_TRUE(fs::is_empty(dir));
    fs::remove_all(dir);
}

TEST(Cli, TransformFailuresAreOneLineWithoutLibraryText) {
    const std::string dir = make_temp_dir("imgpipe-cli-transform");
    std::string jpeg = test::encode(test::photo_like(400, 300), ".jpg");
    test::write_file(dir + "/in.jpg", jpeg);
    test::write_file(dir + "/text.jpg", "not an image at all");
    jpeg.resize(jpeg.size() / 2);
    test::write_file(dir + "/truncated.jpg", jpeg);
    fs::create_directory(dir + "/folder");
    struct Case {
        std::string args;
        std::string code;
        std::string says;
    };
    const std::vector<Case> cases = {
        {dir + "/missing.jpg " + dir + "/out.png 'scale:50x'", "not_found",
         dir + "/missing.jpg: no such file"},
        {dir + "/folder " + dir + "/out.png 'scale:50x'", "bad_request",
         dir + "/folder: not a regular file"},
        {dir + "/text.jpg " + dir + "/out.png 'scale:50x'", "unsupported_media_type",
         "not an image"},
        {dir + "/truncated.jpg " + dir + "/out.png 'scale:50x'", "undecodable_image", ""},
        {dir + "/in.jpg " + dir + "/out.png 'rotat:10'", "invalid_chain", "rotat"},
        {dir + "/in.jpg " + dir + "/no/such/dir/out.png 'scale:50x'", "bad_request",
         "cannot write the output file " + dir + "/no/such/dir/out.png: No such file or directory"},
        {dir + "/in.jpg " + dir + "/folder 'scale:50x|convert:png'", "bad_request",
         "cannot write the output file " + dir + "/folder"},
    };
    // A missing argument too is one line.
    const Outcome usage = imgpipe("transform " + dir + "/in.jpg " + dir + "/out.png");
    EXPECT_NE(usage.rc, 0);
    EXPECT_EQ(usage.out, "imgpipe: ops is required (see --help)\n");
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args);
        const Outcome r = imgpipe("transform " + c.args);
        EXPECT_NE(r.rc, 0);
        ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
        EXPECT_EQ(lower(r.out).find("vips"), std::string::npos) << "library text: " << r.out;
        const auto j = nlohmann::json::parse(r.out, nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << r.out;
        EXPECT_EQ(j["error"]["code"], c.code) << r.out;
        EXPECT_NE(j["error"]["message"].get<std::string>().find(c.says), std::string::npos)
            << r.out;
    }
    EXPECT_FALSE(fs::exists(dir + "/out.png")) << "a failed transform left an output";
    if (::geteuid() != 0) { // root reads any file
        test::write_file(dir + "/secret.jpg", test::encode(test::photo_like(40, 30), ".jpg"));
        fs::permissions(dir + "/secret.jpg", fs::perms::none);
        const Outcome r =
            imgpipe("transform " + dir + "/secret.jpg " + dir + "/out.png 'scale:10x'");
        EXPECT_NE(r.rc, 0);
        EXPECT_NE(r.out.find("secret.jpg: cannot be read (Permission denied)"), std::string::npos)
            << r.out;
    }
    fs::remove_all(dir);
}

// The settings `imgpipe serve --help` and `imgpipe worker --help` show: variable -> default.
std::map<std::string, std::string> settings_in_help() {
    std::map<std::string, std::string> out;
    for (const char* command : {"serve", "worker"}) {
        for (const std::string& line : lines_of(imgpipe(std::string(command) + " --help").out)) {
            const auto env = line.find("(Env:");
            if (env == std::string::npos)
                continue;
            const std::string name = line.substr(env + 5, line.find(')', env) - env - 5);
            // "--port UINT=8000 (Env:...)", "--storage TEXT (Env:...)"; a boolean:
            // "--public-bytes [true|false] (default true) (Env:...)"
            std::string value;
            if (const auto def = line.find("(default "); def != std::string::npos && def < env) {
                value = line.substr(def + 9, line.find(')', def) - def - 9);
            } else if (const auto eq = line.find('='); eq != std::string::npos && eq < env) {
                value = line.substr(eq + 1, env - eq - 2);
            }
            out[name] = value;
        }
    }
    return out;
}

TEST(Install, TheUnitPassesSystemdAnalyzeVerify) {
    const std::string prefix = make_temp_dir("imgpipe-install");
    int rc = -1;
    // The build directory of the binary under test (imgpipe sits at its top).
    const std::string log = run_command(
        "'" CMAKE_COMMAND "' --install '" + fs::path(kBinary).parent_path().string() + "' --prefix '" + prefix + "' 2>&1",
        &rc);
    ASSERT_EQ(rc, 0) << log;
    const std::string binary = prefix + "/bin/imgpipe";
    EXPECT_EQ(run_command("'" + binary + "' --version"), "imgpipe " IMGPIPE_PROJECT_VERSION "\n");
    const std::string examples = prefix + "/share/doc/imgpipe/examples/";
    const std::string unit = test::read_file(examples + "imgpipe.service");
    EXPECT_NE(unit.find("\nExecStart=" + binary + " serve --data /var/lib/imgpipe\n"),
              std::string::npos)
        << unit;
    for (const char* setting :
         {"DynamicUser=yes", "StateDirectory=imgpipe", "EnvironmentFile=-/etc/default/imgpipe",
          "NoNewPrivileges=yes", "ProtectSystem=strict", "MemoryDenyWriteExecute=yes",
          "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
          "CapabilityBoundingSet=\n"}) {
        EXPECT_NE(unit.find(std::string("\n") + setting), std::string::npos) << setting;
    }
    // verify exits 0 on unknown keys and misspelled system call groups (it only warns): any
    // output at all fails.
    const std::string verify =
        run_command("systemd-analyze verify '" + examples + "imgpipe.service' 2>&1", &rc);
    EXPECT_EQ(rc, 0) << verify;
    EXPECT_EQ(verify, "");
    // The sandbox keeps its rating: exposure at most 1.5 of 10 (1.1 when written).
    const std::string rating =
        run_command("systemd-analyze security --offline=yes --threshold=15 '" + examples +
                        "imgpipe.service' 2>&1",
                    &rc);
    EXPECT_EQ(rc, 0) << rating;

    // The environment file lists every setting of serve and worker, commented, with its default.
    const std::string env = test::read_file(examples + "imgpipe.env");
    const auto settings = settings_in_help();
    ASSERT_GT(settings.size(), 50u);
    // A default that follows the core count is listed with a comment saying so; its value there
    // is one machine's.
    const std::set<std::string> per_machine = {"IMGPIPE_IO_THREADS"};
    for (const auto& [name, value] : settings) {
        const std::string line = "\n#" + name + "=" + (per_machine.count(name) ? "" : value + "\n");
        EXPECT_NE(env.find(line), std::string::npos)
            << name << "=" << value << " is not in imgpipe.env";
    }
    for (const std::string& line : lines_of(env)) {
        if (line.empty() || line.starts_with("# "))
            continue;
        const std::string name = line.substr(1, line.find('=') - 1);
        EXPECT_TRUE(settings.count(name)) << "imgpipe.env names an unknown setting: " << line;
    }
    fs::remove_all(prefix);
}

} // namespace
} // namespace imgpipe::e2e
