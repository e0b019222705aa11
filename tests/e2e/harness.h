#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace imgpipe::e2e {

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers; // names lower-cased
    std::string body;

    nlohmann::json json() const;
    std::string header(const std::string& lower_name) const;
};

struct FilePart {
    std::string field = "file";
    std::string bytes;
    std::string filename = "image.bin";
};

// A libcurl client; each call is one request on a new connection.
HttpResponse http_get(const std::string& url, const std::vector<std::string>& headers = {},
                      const std::string& method = "GET");
HttpResponse http_post(const std::string& url, const std::string& body,
                       const std::vector<std::string>& headers);
HttpResponse http_upload(const std::string& url, const FilePart& file,
                         const std::map<std::string, std::string>& fields = {});

// The imgpipe binary the suites start: the one built beside them, unless IMGPIPE_TEST_BINARY names
// another (the sanitizer build runs the release build's suites against its sanitized binary).
const std::string& imgpipe_binary();

// Which storage the servers of this run use: local disk by default, S3 (the store server, s3rver)
// when the test binary runs with --storage=s3. --storage=cluster: S3 too, and every ServerProcess
// is a cluster (its own nats-server with max_payload 16 KB, two workers, two API nodes).
bool s3_mode();
void set_s3_mode(bool on);
bool cluster_mode();
void set_cluster_mode(bool on);

// A child process with its standard output on a pipe, stopped by PID (never by name).
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess() { stop(SIGKILL); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Starts argv and reads its stdout (stderr with `merge_stderr`) until a line contains `ready`;
    // returns that line. Throws if the process ends first or 60 s pass.
    std::string start(const std::vector<std::string>& argv, const std::string& ready,
                      bool merge_stderr = false, const std::string& log_file = "");
    int stop(int signal = SIGTERM); // returns the exit status (or 128 + signal); -1 if not running
    int pid() const { return pid_; }
    bool running() const { return pid_ > 0; }

private:
    int pid_ = -1;
};

// nats-server with JetStream on a free loopback port, max_payload 16 KB: the cluster tests' broker.
// Its store directory outlives stop(), so a restarted server has the streams it had.
class NatsServer {
public:
    NatsServer();
    ~NatsServer();
    void start();
    int stop(int signal = SIGTERM);
    void forget_streams(); // while stopped: the next start is a broker that lost its storage
    std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
    int pid() const { return process_.pid(); }

private:
    std::string dir_;
    int port_ = 0;
    ChildProcess process_;
};

// `imgpipe worker` for a cluster, with its own data directory and a metrics port.
class WorkerProcess {
public:
    WorkerProcess(std::vector<std::string> args, int threads);
    ~WorkerProcess();
    void start();
    int stop(int signal = SIGTERM) { return process_.stop(signal); }
    int pid() const { return process_.pid(); }
    bool running() const { return process_.running(); }
    nlohmann::json health() const; // its /health
    std::string metrics() const;   // its /metrics

private:
    std::vector<std::string> args_;
    std::string data_dir_;
    int threads_;
    int metrics_port_ = 0;
    ChildProcess process_;
};

// A free loopback TCP port (bound and released: another process may take it, rarely).
int free_port();

// The real imgpipe binary, started on a free loopback port with its own data directory (and in S3
// mode its own key prefix in the test bucket). In cluster mode: two API nodes sharing that prefix,
// taking requests in turn (url() alternates), two workers and a nats-server of their own; pid()
// and port() are the first node's, and `--workers N --queue M` become one worker of N threads and
// a cluster queue of N + M.
class ServerProcess {
public:
    explicit ServerProcess(std::vector<std::string> extra_args = {}, std::string data_dir = "");
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    void start();
    int stop(int signal = SIGTERM); // returns the exit status (or 128 + signal)
    bool running() const { return first_.running(); }
    int pid() const { return first_.pid(); }
    std::string url(const std::string& path = "") const;
    int port() const { return port_; }
    // Cluster mode: the URL on API node 0 or 1 (url() alternates between them).
    std::string node_url(int node, const std::string& path) const;
    // Derived images computed for this server: its own count, or in cluster mode its workers'.
    int transforms_computed() const;
    // Cluster mode only (null otherwise).
    NatsServer* nats() { return nats_.get(); }
    const std::string& cluster_name() const { return cluster_name_; }
    std::vector<std::unique_ptr<WorkerProcess>>& workers() { return workers_; }
    const std::string& data_dir() const { return data_dir_; }
    const std::string& s3_prefix() const { return s3_prefix_; }
    // How many image objects (originals and derivatives) are stored under `id_prefix`.
    size_t stored_objects(const std::string& id_prefix = "") const;

private:
    std::vector<std::string> args_;
    std::string data_dir_;
    std::string s3_prefix_;
    bool own_dir_ = false;
    ChildProcess first_;
    int port_ = 0;
    // cluster mode
    std::unique_ptr<NatsServer> nats_;
    std::vector<std::unique_ptr<WorkerProcess>> workers_;
    std::unique_ptr<ChildProcess> second_;
    int second_port_ = 0;
    mutable int turn_ = 0;
    std::string cluster_name_;
};

// A TCP connection to 127.0.0.1:port (the caller closes it); throws if it cannot connect.
int connect_loopback(int port);

// Sends raw bytes to 127.0.0.1:port and returns everything received until the server closes
// (or `timeout_ms` passes).
std::string raw_exchange(int port, const std::string& request, int timeout_ms = 5000);

// A raw HTTP/1.1 upload with a chunked body (no Content-Length): the part header of a 'file'
// field, then `chunks` chunks of 64 KB, then the last chunk. For raw_exchange.
std::string chunked_upload_request(size_t chunks);

// Runs a shell command, returns its standard output; `exit_code` receives the status.
std::string run_command(const std::string& command, int* exit_code = nullptr);
std::string make_temp_dir(const std::string& prefix);

// Polls `done` every few milliseconds until it holds or `limit` passes; returns whether it held.
// Tests wait for a state (a worker busy, a file present) this way instead of sleeping a fixed time
// that a slower machine would not honour.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(30));

// How long `work` takes on this machine, in milliseconds: the unit that time budgets of the tests
// are derived from, so that they hold on a machine twice as slow or under sanitizers.
long long time_ms(const std::function<void()>& work);
std::string md5_of(const std::string& bytes);

} // namespace imgpipe::e2e
