#include "e2e/harness.h"

#include "core/hash.h"
#include "support/command.h"
#include "support/s3_servers.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <unistd.h>

namespace imgpipe::e2e {

namespace {

size_t on_body(char* data, size_t, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, n);
    return n;
}

size_t on_header(char* data, size_t, size_t n, void* user) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    std::string line(data, n);
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*headers)[name] = value;
    return n;
}

// With IMGPIPE_ANSWER_LOG set (ctest sets it for the end-to-end suites of the release build), every
// answer of an imgpipe API server is appended to that file as one JSON line: method, path, status,
// content type, the headers the OpenAPI description speaks of, and the body when it is JSON.
// tests/openapi/check_answers.mjs then checks each against the schema of its route and status in
// web/openapi.json. Only answers that say `Server: imgpipe` are the API's: a worker's metrics port,
// the tests' link servers and S3 answer here too. One write(2) of the whole line on an O_APPEND
// descriptor, under a mutex: lines stay whole across threads and across test processes run at once.
void log_answer(CURL* c, const HttpResponse& r) {
    static const char* const path = std::getenv("IMGPIPE_ANSWER_LOG");
    if (!path || !*path) return;
    if (r.header("server") != "imgpipe") return;
    static std::mutex mutex;
    static const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    char* method = nullptr;
    char* url = nullptr;
    curl_easy_getinfo(c, CURLINFO_EFFECTIVE_METHOD, &method);
    curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &url);
    std::string target = url ? url : "";
    // http://127.0.0.1:PORT/path?query -> /path?query
    if (const auto scheme = target.find("://"); scheme != std::string::npos) {
        const auto slash = target.find('/', scheme + 3);
        target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    const std::string type = r.header("content-type");
    nlohmann::json headers = nlohmann::json::object();
    for (const char* name : {"x-request-id", "etag", "cache-control", "vary", "location", "retry-after",
                             "www-authenticate", "allow", "accept-ranges", "content-range",
                             "access-control-allow-origin", "access-control-allow-methods",
                             "access-control-allow-headers", "access-control-max-age"}) {
        if (auto it = r.headers.find(name); it != r.headers.end()) headers[name] = it->second;
    }
    const nlohmann::json line{{"method", method ? method : ""},
                              {"path", target},
                              {"status", r.status},
                              {"content_type", type},
                              {"headers", headers},
                              {"body_bytes", r.body.size()},
                              {"body", type.starts_with("application/json") ? nlohmann::json(r.body)
                                                                            : nlohmann::json()}};
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const std::lock_guard lock(mutex);
    [[maybe_unused]] const auto n = ::write(fd, text.data(), text.size());
}

HttpResponse perform(CURL* c, const std::vector<std::string>& headers) {
    HttpResponse r;
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    const CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
        curl_easy_cleanup(c);
        throw std::runtime_error(std::string("request failed: ") + curl_easy_strerror(rc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    log_answer(c, r);
    curl_easy_cleanup(c);
    return r;
}

} // namespace

nlohmann::json HttpResponse::json() const {
    try {
        return nlohmann::json::parse(body);
    } catch (const std::exception&) {
        ADD_FAILURE() << "not JSON (status " << status << "): " << body.substr(0, 200);
        return {};
    }
}

std::string HttpResponse::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
}

HttpResponse http_get(const std::string& url, const std::vector<std::string>& headers,
                      const std::string& method) {
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    if (method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    return perform(c, headers);
}

HttpResponse http_post(const std::string& url, const std::string& body,
                       const std::vector<std::string>& headers) {
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    return perform(c, headers);
}

HttpResponse http_upload(const std::string& url, const FilePart& file,
                         const std::map<std::string, std::string>& fields) {
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    // Freed also when the request fails (perform throws): the fault tests cut requests on purpose.
    std::unique_ptr<curl_mime, decltype(&curl_mime_free)> owned(curl_mime_init(c), curl_mime_free);
    curl_mime* mime = owned.get();
    curl_mimepart* part = curl_mime_addpart(mime);
    curl_mime_name(part, file.field.c_str());
    curl_mime_data(part, file.bytes.data(), file.bytes.size());
    curl_mime_filename(part, file.filename.c_str());
    for (const auto& [name, value] : fields) {
        curl_mimepart* p = curl_mime_addpart(mime);
        curl_mime_name(p, name.c_str());
        curl_mime_data(p, value.data(), value.size());
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    return perform(c, {});
}

const std::string& imgpipe_binary() {
    static const std::string binary = [] {
        const char* given = std::getenv("IMGPIPE_TEST_BINARY");
        return std::string(given && *given ? given : IMGPIPE_BUILT_BINARY);
    }();
    return binary;
}

namespace {
bool g_s3_mode = false;
bool g_cluster_mode = false;
} // namespace

bool s3_mode() { return g_s3_mode || g_cluster_mode; }
void set_s3_mode(bool on) { g_s3_mode = on; }
bool cluster_mode() { return g_cluster_mode; }
void set_cluster_mode(bool on) { g_cluster_mode = on; }

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string ChildProcess::start(const std::vector<std::string>& argv, const std::string& ready,
                                bool merge_stderr, const std::string& log_file) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(ready.empty() ? ::open("/dev/null", O_WRONLY) : out[1], STDOUT_FILENO);
        if (merge_stderr) ::dup2(out[1], STDERR_FILENO);
        if (!log_file.empty()) {
            const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (log >= 0) ::dup2(log, STDERR_FILENO);
        }
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> cargv;
        for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
        cargv.push_back(nullptr);
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    if (ready.empty()) {
        ::close(out[0]);
        return "";
    }
    std::string line, seen;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool found = false;
    char ch;
    while (!found && std::chrono::steady_clock::now() < end) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        if (::read(out[0], &ch, 1) != 1) break;
        if (ch != '\n') {
            line += ch;
        } else if (line.find(ready) != std::string::npos) {
            found = true;
        } else {
            seen += line + "\n";
            line.clear();
        }
    }
    // Keep draining in the background? No: the children write little to stdout after starting,
    // and a closed pipe only costs them a SIGPIPE they ignore (imgpipe) or never see (nats-server
    // writes its log to a file after start-up, see NatsServer).
    ::close(out[0]);
    if (!found) {
        stop(SIGKILL);
        throw std::runtime_error(argv[0] + " did not start: " + seen.substr(seen.size() > 2000 ? seen.size() - 2000 : 0) + line);
    }
    return line;
}

int ChildProcess::stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

NatsServer::NatsServer() : dir_(make_temp_dir("imgpipe-nats")), port_(free_port()) {}

NatsServer::~NatsServer() {
    process_.stop(SIGKILL);
    std::filesystem::remove_all(dir_);
}

void NatsServer::start() {
    // What the issue asks the cluster to live with: messages of at most 16 KB.
    {
        std::ofstream conf(dir_ + "/nats.conf");
        conf << "host: 127.0.0.1\nport: " << port_ << "\nmax_payload: 16384\n"
             << "jetstream { store_dir: \"" << dir_ << "/js\" }\n";
    }
    // The readiness line is in its log; after it, the log goes to a file, not the closed pipe.
    process_.start({"nats-server", "-c", dir_ + "/nats.conf", "-l", dir_ + "/nats.log"}, "");
    if (!wait_until([&] {
            try {
                ::close(connect_loopback(port_));
                return true;
            } catch (const std::exception&) {
                return false;
            }
        })) {
        throw std::runtime_error("nats-server did not listen on " + std::to_string(port_));
    }
}

int NatsServer::stop(int signal) { return process_.stop(signal); }

void NatsServer::forget_streams() { std::filesystem::remove_all(dir_ + "/js"); }

WorkerProcess::WorkerProcess(std::vector<std::string> args, int threads)
    : args_(std::move(args)), data_dir_(make_temp_dir("imgpipe-worker")), threads_(threads) {}

WorkerProcess::~WorkerProcess() {
    process_.stop(SIGKILL);
    std::filesystem::remove_all(data_dir_);
}

void WorkerProcess::start() {
    metrics_port_ = free_port();
    std::vector<std::string> argv{imgpipe_binary(), "worker", "--data", data_dir_, "--threads",
                                  std::to_string(threads_), "--metrics-port", std::to_string(metrics_port_)};
    argv.insert(argv.end(), args_.begin(), args_.end());
    process_.start(argv, "imgpipe worker ready");
}

nlohmann::json WorkerProcess::health() const {
    return nlohmann::json::parse(http_get("http://127.0.0.1:" + std::to_string(metrics_port_) + "/health").body);
}

std::string WorkerProcess::metrics() const {
    return http_get("http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics").body;
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string data_dir)
    : args_(std::move(extra_args)), data_dir_(std::move(data_dir)) {
    if (data_dir_.empty()) {
        data_dir_ = make_temp_dir("imgpipe-e2e-data");
        own_dir_ = true;
    }
    if (s3_mode()) {
        static int counter = 0;
        s3_prefix_ = "e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "/";
        const test::S3Server s = test::s3_server(test::s3_store());
        args_.insert(args_.begin(), {"--storage", "s3://" + s.bucket + "/" + s3_prefix_, "--s3-endpoint",
                                     s.endpoint, "--aws-access-key-id", s.key,
                                     "--aws-secret-access-key", s.secret});
    }
}

size_t ServerProcess::stored_objects(const std::string& id_prefix) const {
    size_t n = 0;
    if (s3_mode()) {
        const std::string keys = test::s3_tool(test::s3_store(), "list '" + s3_prefix_ + id_prefix + "'");
        std::istringstream lines(keys);
        for (std::string key; std::getline(lines, key);) n += key.find("store-id") == std::string::npos;
        return n;
    }
    const std::string root = data_dir_ + "/objects";
    if (!std::filesystem::exists(root)) return 0;
    for (auto it = std::filesystem::recursive_directory_iterator(root);
         it != std::filesystem::recursive_directory_iterator(); ++it) {
        const auto rel = std::filesystem::relative(it->path(), root).string();
        n += it->is_regular_file() && it->path().extension() != ".json" && rel.rfind(id_prefix, 0) == 0;
    }
    return n;
}

ServerProcess::~ServerProcess() {
    stop(SIGKILL);
    if (own_dir_) std::filesystem::remove_all(data_dir_);
}

int ServerProcess::transforms_computed() const {
    if (!cluster_mode()) return http_get(url("/health")).json()["transforms"].get<int>();
    int n = 0;
    for (const auto& w : workers_) n += w->health()["transforms"].get<int>();
    return n;
}

void ServerProcess::start() {
    std::vector<std::string> cluster_args;
    if (cluster_mode()) {
        // `--workers N --queue M` of a one-process server become one worker of N threads and a
        // cluster queue of N + M; by default two workers of one thread.
        int threads = 0, queue = 32;
        for (size_t i = 0; i + 1 < args_.size(); ++i) {
            if (args_[i] == "--workers") threads = std::stoi(args_[i + 1]);
            if (args_[i] == "--queue") queue = std::stoi(args_[i + 1]);
        }
        static int counter = 0;
        const std::string name = "e2e" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        cluster_name_ = name;
        if (!nats_) nats_ = std::make_unique<NatsServer>();
        if (nats_->pid() < 0) nats_->start();
        cluster_args = {"--nats", nats_->url(), "--cluster", name, "--cluster-queue",
                        std::to_string((threads > 0 ? threads : 2) + queue)};
        std::vector<std::string> worker_args = cluster_args;
        worker_args.insert(worker_args.end(), args_.begin(), args_.begin() + 8); // the S3 storage flags
        workers_.clear();
        for (int i = 0; i < (threads > 0 ? 1 : 2); ++i) {
            workers_.push_back(std::make_unique<WorkerProcess>(worker_args, threads > 0 ? threads : 1));
            workers_.back()->start();
        }
    }
    std::vector<std::string> argv{imgpipe_binary(), "serve", "--port", "0", "--data", data_dir_};
    argv.insert(argv.end(), args_.begin(), args_.end());
    argv.insert(argv.end(), cluster_args.begin(), cluster_args.end());
    // "imgpipe 0.1.0: storage ...; listening on http://127.0.0.1:PORT": the port ends the line
    const std::string line = first_.start(argv, "listening on");
    const auto colon = line.rfind(':');
    port_ = std::stoi(line.substr(colon + 1));
    if (cluster_mode()) {
        second_ = std::make_unique<ChildProcess>();
        const std::string second = second_->start(argv, "listening on");
        second_port_ = std::stoi(second.substr(second.rfind(':') + 1));
    }
}

int ServerProcess::stop(int signal) {
    if (!first_.running()) return -1;
    const int status = first_.stop(signal);
    // The rest of a cluster after the first node, in an order that lets requests on the second
    // node finish: it drains first, then the workers, then the broker.
    if (second_) second_->stop(signal == SIGKILL ? SIGKILL : SIGTERM);
    for (auto& w : workers_) w->stop(signal == SIGKILL ? SIGKILL : SIGTERM);
    if (nats_) nats_->stop();
    return status;
}

std::string ServerProcess::node_url(int node, const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(node == 1 && second_port_ ? second_port_ : port_) + path;
}

std::string ServerProcess::url(const std::string& path) const {
    // A cluster's two API nodes take requests in turn: an upload on one, its variants on the other.
    const int port = cluster_mode() && second_port_ && (turn_++ % 2) ? second_port_ : port_;
    return "http://127.0.0.1:" + std::to_string(port) + path;
}

std::string run_command(const std::string& command, int* exit_code) {
    int code = 0;
    std::string out = test::run_command(command, &code); // the e2e tests check statuses themselves
    if (exit_code) *exit_code = code;
    return out;
}

std::string make_temp_dir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    return tmpl;
}

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("connect failed");
    }
    return fd;
}

std::string raw_exchange(int port, const std::string& request, int timeout_ms) {
    const int fd = connect_loopback(port);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

std::string md5_of(const std::string& bytes) { return md5_hex(bytes); }

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

long long time_ms(const std::function<void()>& work) {
    const auto t0 = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
}

std::string chunked_upload_request(size_t chunks) {
    std::string req = "POST /image/upload/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: multipart/form-data; boundary=b\r\n\r\n";
    auto chunk = [](const std::string& data) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return size + data + "\r\n";
    };
    req += chunk("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n");
    for (size_t i = 0; i < chunks; ++i) req += chunk(std::string(64 * 1024, 'x'));
    return req + "0\r\n\r\n";
}

} // namespace imgpipe::e2e
