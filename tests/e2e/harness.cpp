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
#include <stdexcept>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
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

namespace {
bool g_s3_mode = false;
}

bool s3_mode() { return g_s3_mode; }
void set_s3_mode(bool on) { g_s3_mode = on; }

ServerProcess::ServerProcess(std::vector<std::string> extra_args, std::string data_dir)
    : args_(std::move(extra_args)), data_dir_(std::move(data_dir)) {
    if (data_dir_.empty()) {
        data_dir_ = make_temp_dir("imgpipe-e2e-data");
        own_dir_ = true;
    }
    if (s3_mode()) {
        static int counter = 0;
        s3_prefix_ = "e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "/";
        const test::S3Server s = test::s3_server("open");
        args_.insert(args_.begin(), {"--storage", "s3://" + s.bucket + "/" + s3_prefix_, "--s3-endpoint",
                                     s.endpoint, "--aws-access-key-id", s.key,
                                     "--aws-secret-access-key", s.secret});
    }
}

size_t ServerProcess::stored_objects(const std::string& id_prefix) const {
    size_t n = 0;
    if (s3_mode()) {
        const std::string keys = test::s3_tool("open", "list '" + s3_prefix_ + id_prefix + "'");
        for (char c : keys) n += c == '\n';
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
    if (pid_ > 0) stop(SIGKILL);
    if (own_dir_) std::filesystem::remove_all(data_dir_);
}

void ServerProcess::start() {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv{IMGPIPE_BINARY, "serve", "--port", "0", "--data", data_dir_};
    argv.insert(argv.end(), args_.begin(), args_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    // Wait for "imgpipe listening on http://127.0.0.1:PORT".
    std::string line;
    char ch;
    while (::read(out[0], &ch, 1) == 1) {
        if (ch != '\n') {
            line += ch;
        } else if (line.find("listening on") == std::string::npos) {
            line.clear();
        } else {
            break;
        }
    }
    ::close(out[0]);
    const auto colon = line.rfind(':');
    if (line.find("listening on") == std::string::npos || colon == std::string::npos) {
        stop(SIGKILL);
        throw std::runtime_error("imgpipe did not start: '" + line + "'");
    }
    port_ = std::stoi(line.substr(colon + 1));
}

int ServerProcess::stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
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
