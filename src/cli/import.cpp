#include "cli/import.h"

#include "cli/import_manifest.h"
#include "cli/import_progress.h"
#include "cli/import_upload.h"
#include "cli/import_walk.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace imgpipe::cli {

namespace {

// The signal handler's state: the first SIGINT/SIGTERM stops new uploads, the second cuts those in
// flight. Lock-free atomics only (signal-safe).
StopFlags g_flags;
std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    if (g_signal.exchange(sig) != 0) g_flags.abort = true;
    g_flags.stop = true;
}

void catch_signals() {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    // libcurl leaves SIGPIPE alone with CURLOPT_NOSIGNAL (needed with threads), and OpenSSL may
    // write to a socket the server closed: that must be an error of one upload, not the end.
    ::signal(SIGPIPE, SIG_IGN);
}

// A few paths of each error code: the manifest has them all.
constexpr size_t kPathsPerCode = 5;

struct Tally {
    std::mutex mutex;
    size_t uploaded = 0;
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> failures; // code -> path, message
    size_t failed = 0;
    std::string stop_reason; // why the import stopped before the end, other than a signal

    void fail(const std::string& code, const std::string& path, const std::string& message) {
        const std::lock_guard lock(mutex);
        failures[code].emplace_back(path, message);
        ++failed;
    }
    void stop(const std::string& reason) {
        const std::lock_guard lock(mutex);
        if (stop_reason.empty()) stop_reason = reason;
        g_flags.stop = true;
    }
};

std::string plural(size_t n, const std::string& one, const std::string& many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string stop_reason_of(const UploadOutcome& o) {
    if (o.error == "unauthorized") {
        return "the server refused the API key (" + o.message + "): give it with --api-key or IMGPIPE_API_KEY";
    }
    if (o.http_status == 507) return "the server's storage is full (" + o.message + ")";
    return "the server stopped answering (" + o.message + ")";
}

void print_summary(const FoundFiles& found, size_t skipped, size_t not_attempted, const Tally& tally,
                   const Manifest& manifest) {
    std::cout << "imgpipe import: " << tally.uploaded << " uploaded, " << skipped
              << " skipped (uploaded before), " << tally.failed << " failed; not images: " << found.not_images
              << ", duplicate paths: " << found.duplicates << "\n";
    for (const auto& [code, files] : tally.failures) {
        std::cout << "failed: " << code << " (" << files.size() << ")\n";
        for (size_t i = 0; i < files.size() && i < kPathsPerCode; ++i) {
            std::cout << "  " << files[i].first << ": " << files[i].second << "\n";
        }
        if (files.size() > kPathsPerCode) {
            std::cout << "  ... and " << files.size() - kPathsPerCode << " more in the manifest\n";
        }
    }
    if (const int sig = g_signal) {
        std::cout << "interrupted (" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << "): "
                  << plural(not_attempted, "file", "files") << " not sent; the same command continues\n";
    } else if (!tally.stop_reason.empty()) {
        std::cout << "stopped: " << tally.stop_reason << "; " << plural(not_attempted, "file", "files")
                  << " not sent\n";
    }
    std::cout << "manifest: " << manifest.path() << std::endl;
}

// Uploads `todo` on `args.jobs` threads, recording each finished file, until all are done or the
// import stops (a signal, a refusal no later file can escape).
void upload_all(const std::vector<ImportFile>& todo, std::uint64_t bytes, const ServerTarget& target,
                const ImportArgs& args, Manifest& manifest, Tally& tally, ImportCounters& counters) {
    Progress progress(todo.size(), bytes, counters, ::isatty(STDERR_FILENO) == 1, args.progress_interval_s);
    progress.start();

    std::atomic<size_t> next{0};
    std::atomic<int> running{0};
    auto work = [&] {
        try {
            Uploader uploader(target, g_flags, counters.bytes_done);
            while (!g_flags.stop) {
                const size_t i = next++;
                if (i >= todo.size()) break;
                const ImportFile& file = todo[i];
                const UploadOutcome o = uploader.upload(file);
                if (o.status == UploadOutcome::Status::abandoned) break; // stopping: not recorded
                manifest.record(file, o);
                counters.bytes_done += file.size;
                if (o.status == UploadOutcome::Status::uploaded) {
                    const std::lock_guard lock(tally.mutex);
                    ++tally.uploaded;
                } else {
                    tally.fail(o.error, file.path, o.message);
                    ++counters.failed;
                    if (o.stops_import) tally.stop(stop_reason_of(o));
                }
                ++counters.files_done;
            }
        } catch (const std::exception& e) {
            tally.stop(e.what()); // the manifest cannot be written, libcurl cannot start
        }
        --running;
    };
    std::vector<std::thread> threads;
    const size_t jobs = std::min(todo.size(), static_cast<size_t>(args.jobs));
    running = static_cast<int>(jobs);
    for (size_t i = 0; i < jobs; ++i) threads.emplace_back(work);
    bool told = false;
    auto tell = [&] {
        if (!g_signal || told) return;
        progress.say("imgpipe import: interrupted: the uploads in flight finish (interrupt again to cut them)");
        told = true;
    };
    while (running > 0) {
        tell();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    tell(); // when the uploads in flight ended before the signal was noticed
    for (auto& t : threads) t.join();
    progress.stop();
}

} // namespace

void bind_import_options(CLI::App& app, ImportArgs& a) {
    app.add_option("paths", a.paths, "files and folders: every image under them is uploaded")->required();
    app.add_option("--server", a.server, "the service's URL, e.g. http://127.0.0.1:8000")
        ->envname("IMGPIPE_SERVER")
        ->required();
    app.add_option("--api-key", a.api_key, "API key, when the server needs one (the variable keeps it out of ps)")
        ->envname("IMGPIPE_API_KEY");
    app.add_option("--jobs", a.jobs, "uploads at once")->check(CLI::Range(1, 64))->capture_default_str();
    app.add_option("--manifest", a.manifest, "JSON-lines record of every file; what it says was uploaded is skipped")
        ->capture_default_str();
    app.add_option("--progress-interval", a.progress_interval_s,
                   "seconds between progress lines when stderr is not a terminal")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--retries", a.retries, "retries of a file after 429/502/503/504 or a connection error")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
}

int import_images(const ImportArgs& args) {
    std::string base = args.server;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.starts_with("http://") && !base.starts_with("https://")) {
        std::cerr << "imgpipe import: --server must be an http:// or https:// URL, e.g. http://127.0.0.1:8000\n";
        return 2;
    }
    FoundFiles found;
    std::unique_ptr<Manifest> manifest;
    try {
        found = find_images(args.paths);
        manifest = std::make_unique<Manifest>(args.manifest);
    } catch (const std::exception& e) {
        std::cerr << "imgpipe import: " << e.what() << "\n";
        return 2;
    }
    if (manifest->bad_lines()) {
        std::cerr << "imgpipe import: " << plural(manifest->bad_lines(), "line", "lines") << " of "
                  << manifest->path() << " did not parse: ignored\n";
    }

    std::vector<ImportFile> todo;
    std::uint64_t bytes = 0;
    for (const auto& f : found.images) {
        if (manifest->uploaded(f)) continue;
        todo.push_back(f);
        bytes += f.size;
    }
    const size_t skipped = found.images.size() - todo.size();

    Tally tally;
    for (const auto& [path, why] : found.unreadable) tally.fail("unreadable", path, why);
    ImportCounters counters;
    if (!todo.empty()) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        try {
            if (uploads_need_key(base) && args.api_key.empty()) {
                std::cerr << "imgpipe import: " << base
                          << " needs an API key for uploads: give it with --api-key or IMGPIPE_API_KEY\n";
                return 2;
            }
        } catch (const std::exception& e) {
            std::cerr << "imgpipe import: " << e.what() << "\n";
            return 1;
        }
        catch_signals();
        upload_all(todo, bytes, {base, args.api_key, args.retries}, args, *manifest, tally, counters);
    }
    print_summary(found, skipped, todo.size() - counters.files_done, tally, *manifest);
    if (const int sig = g_signal) return 128 + sig;
    return tally.failed || !tally.stop_reason.empty() ? 1 : 0;
}

} // namespace imgpipe::cli
