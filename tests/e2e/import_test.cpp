// `imgpipe import` end to end: the real binary uploads generated trees to one real server (started
// once for the suite, API keys on, a small upload limit so that a file can be refused for its size).
// Checked: every image arrives byte for byte with its dimensions, the manifest, the summary and exit
// status, the API key, usage errors, the progress lines, retries when the server is busy, and runs
// interrupted (SIGINT, SIGKILL) then resumed without uploading a file twice. One process, one ctest
// entry.
#include "e2e/harness.h"
#include "support/test_images.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace imgpipe::e2e {
namespace {

namespace fs = std::filesystem;

const std::string kKey = "import-test-api-key-0123456789";
constexpr size_t kMaxUpload = 200'000;

// One worker and a queue of one: two uploads at once fit, a third is refused with 503 (the busy
// test); the other tests upload two at a time.
ServerProcess& server() {
    static std::unique_ptr<ServerProcess> s = [] {
        auto p = std::make_unique<ServerProcess>(std::vector<std::string>{
            "--api-keys", kKey, "--max-upload-bytes", std::to_string(kMaxUpload), "--workers", "1", "--queue", "1",
            "--log-level", "warn"});
        p->start();
        return p;
    }();
    return *s;
}

// A folder of the test's own, removed when the test ends, failed or not.
struct Scratch {
    std::string dir = make_temp_dir("imgpipe-import");
    Scratch() = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() { fs::remove_all(dir); }
};

std::string quoted(const std::string& s) { return "'" + s + "'"; } // the tests' paths have no quote

struct ImportRun {
    int code = -1;
    std::string out, err;
};

// `imgpipe import ARGS` in `cwd`, to its end.
ImportRun import(const std::vector<std::string>& args, const std::string& cwd, const std::string& env = "") {
    static int counter = 0;
    const std::string err_file = cwd + "/stderr-" + std::to_string(counter++) + ".txt";
    std::string command = "cd " + quoted(cwd) + " && " + env + " " + quoted(imgpipe_binary()) + " import";
    for (const auto& a : args) command += " " + quoted(a);
    ImportRun r;
    r.out = run_command(command + " 2> " + quoted(err_file), &r.code);
    r.err = test::read_file(err_file);
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The lines of a manifest; every one must parse, unless `bad` counts those that do not.
std::vector<nlohmann::json> manifest(const std::string& path, size_t* bad = nullptr) {
    std::vector<nlohmann::json> out;
    if (!fs::exists(path)) return out;
    for (const auto& line : lines_of(test::read_file(path))) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (bad && !j.is_object()) ++*bad;
        if (!bad) {
            EXPECT_TRUE(j.is_object()) << "not a JSON line: " << line;
        }
        if (j.is_object()) out.push_back(j);
    }
    return out;
}

size_t newlines(const std::string& path) {
    if (!fs::exists(path)) return 0;
    const std::string text = test::read_file(path);
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

int uploads() { return http_get(server().url("/health")).json()["uploads"].get<int>(); }

double metric(const std::string& series) {
    const std::string text = http_get(server().url("/metrics")).body;
    const auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

std::int64_t mtime_ns(const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void write(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    test::write_file(path, bytes);
}

// The progress lines of stderr ("imgpipe import: 3/9 files, ..."): the files done of each.
std::vector<std::pair<size_t, size_t>> progress_counts(const std::string& err) {
    std::vector<std::pair<size_t, size_t>> out;
    const std::string prefix = "imgpipe import: ";
    for (const auto& line : lines_of(err)) {
        if (!line.starts_with(prefix) || line.find(" files, ") == std::string::npos) continue;
        size_t done = 0, total = 0;
        if (std::sscanf(line.c_str() + prefix.size(), "%zu/%zu files", &done, &total) == 2) {
            out.emplace_back(done, total);
        }
    }
    return out;
}

// An uploaded line of the manifest names a stored original equal to the file, with its dimensions.
void expect_arrived(const nlohmann::json& line, int width, int height, const std::string& loader) {
    const std::string path = line["path"];
    SCOPED_TRACE(path);
    const std::string bytes = test::read_file(path);
    EXPECT_EQ(line["size"], bytes.size());
    EXPECT_EQ(line["mtime_ns"], mtime_ns(path));
    EXPECT_EQ(line["etag"], "\"" + md5_of(bytes) + "\"");
    const std::string id = line["id"];
    const auto meta = http_get(server().url("/image/" + id + "/"));
    ASSERT_EQ(meta.status, 200) << meta.body;
    EXPECT_EQ(meta.json()["width"], width);
    EXPECT_EQ(meta.json()["height"], height);
    EXPECT_EQ(meta.json()["filename"], fs::path(path).filename().string());
    const auto stored = http_get(server().url("/bytes/" + id));
    ASSERT_EQ(stored.status, 200);
    EXPECT_EQ(stored.body, bytes); // originals are stored byte for byte
    const vips::VImage img = test::decode(stored.body);
    EXPECT_EQ(img.width(), width);
    EXPECT_EQ(img.height(), height);
    EXPECT_EQ(test::loader_of(img), loader);
}

TEST(Import, UploadsEveryImageUnderTheTreeAndSummarisesTheFailures) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string tree = work + "/tree";
    struct Image {
        std::string name;
        int width, height;
        std::string loader;
    };
    const std::vector<Image> images{
        {"photos/one.jpg", 64, 48, "jpegload_buffer"},        {"photos/2019/two.png", 80, 60, "pngload_buffer"},
        {"photos/2019/deep/three.gif", 40, 30, "gifload_buffer"}, {"four.webp", 50, 70, "webpload_buffer"},
        {"photos/five.tif", 33, 21, "tiffload_buffer"},       {"six.avif", 36, 24, "heifload_buffer"},
        {"seven", 70, 35, "pngload_buffer"}, // no extension: picked by its first bytes
    };
    for (const auto& i : images) {
        const std::string suffix = i.name == "seven" ? ".png" : fs::path(i.name).extension().string();
        write(tree + "/" + i.name, test::encode(test::photo_like(i.width, i.height), suffix));
    }
    write(tree + "/notes.txt", "not an image\n");
    write(tree + "/fake.jpg", "a name is not a format\n");
    const std::string png = test::encode(test::photo_like(120, 90), ".png");
    write(tree + "/broken.png", png.substr(0, png.size() / 2)); // a PNG's first bytes, truncated
    const std::string big =
        test::encode(vips::VImage::gaussnoise(400, 400).bandjoin({vips::VImage::gaussnoise(400, 400),
                                                                 vips::VImage::gaussnoise(400, 400)})
                         .cast(VIPS_FORMAT_UCHAR),
                     ".png");
    ASSERT_GT(big.size(), kMaxUpload);
    write(tree + "/photos/big.png", big);
    fs::create_directory_symlink(tree, tree + "/photos/loop"); // not followed: walked once
    fs::create_symlink(tree + "/photos/one.jpg", tree + "/photos/again.jpg"); // the same file again

    const int before = uploads();
    const ImportRun r = import({tree, "--server", server().url(), "--api-key", kKey, "--jobs", "2"}, work);
    EXPECT_EQ(r.code, 1) << r.out << r.err; // two files failed
    const auto out = lines_of(r.out);
    ASSERT_FALSE(out.empty()) << r.err;
    EXPECT_EQ(out[0], "imgpipe import: 7 uploaded, 0 skipped (uploaded before), 2 failed; not images: 2, "
                      "duplicate paths: 1");
    EXPECT_NE(r.out.find("failed: payload_too_large (1)\n  " + tree + "/photos/big.png: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("failed: undecodable_image (1)\n  " + tree + "/broken.png: "), std::string::npos) << r.out;
    EXPECT_EQ(out.back(), "manifest: " + work + "/imgpipe-import.jsonl"); // the default, in the current folder
    EXPECT_EQ(uploads() - before, 7);

    const auto lines = manifest(work + "/imgpipe-import.jsonl");
    ASSERT_EQ(lines.size(), 9u);
    std::map<std::string, nlohmann::json> by_path;
    for (const auto& l : lines) by_path[l["path"]] = l;
    ASSERT_EQ(by_path.size(), 9u) << "a file recorded twice";
    for (const auto& i : images) {
        const auto& line = by_path[tree + "/" + i.name];
        ASSERT_EQ(line["status"], "uploaded") << line;
        expect_arrived(line, i.width, i.height, i.loader);
    }
    const auto& refused = by_path[tree + "/photos/big.png"];
    EXPECT_EQ(refused["status"], "failed");
    EXPECT_EQ(refused["error"], "payload_too_large");
    EXPECT_EQ(refused["http_status"], 413);
    EXPECT_EQ(refused["size"], big.size());
    const auto& broken = by_path[tree + "/broken.png"];
    EXPECT_EQ(broken["status"], "failed");
    EXPECT_EQ(broken["error"], "undecodable_image");
    EXPECT_EQ(broken["http_status"], 422);
    EXPECT_FALSE(broken["message"].get<std::string>().empty());

    // stderr is not a terminal: plain lines, no redrawing, the last one saying it all.
    EXPECT_EQ(r.err.find('\r'), std::string::npos);
    EXPECT_EQ(r.err.find('\033'), std::string::npos);
    const auto progress = progress_counts(r.err);
    ASSERT_FALSE(progress.empty()) << r.err;
    EXPECT_EQ(progress.back(), std::make_pair(size_t{9}, size_t{9}));
    EXPECT_NE(lines_of(r.err).back().find(", 2 failed"), std::string::npos) << r.err;
    EXPECT_NE(lines_of(r.err).back().find(", took "), std::string::npos) << r.err;
}

TEST(Import, OnATerminalTheProgressIsOneLineRedrawnInPlace) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    for (int i = 0; i < 3; ++i) {
        write(work + "/tree/" + std::to_string(i) + ".png", test::encode(test::photo_like(20, 10 + i), ".png"));
    }
    // script(1) runs the import on a pseudo-terminal and copies what it shows (stdout and stderr).
    const std::string command = quoted(imgpipe_binary()) + " import " + quoted(work + "/tree") + " --server " +
                                server().url() + " --api-key " + kKey + " --manifest " + quoted(work + "/tty.jsonl");
    int code = -1;
    const std::string shown = run_command("script -qec " + quoted(command) + " /dev/null", &code);
    EXPECT_EQ(code, 0) << shown;
    EXPECT_NE(shown.find("\r\033[Kimgpipe import: 3/3 files, "), std::string::npos) << shown;
    // The bar ends with its last state, then the summary: no progress line of its own before it.
    const auto summary = shown.find("imgpipe import: 3 uploaded, 0 skipped");
    ASSERT_NE(summary, std::string::npos) << shown;
    EXPECT_EQ(shown.rfind("\n", summary - 3), std::string::npos) << shown;
}

TEST(Import, ASecondRunSkipsWhatWasUploadedRetriesFailuresAndSendsChangedFiles) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string tree = work + "/tree", list = work + "/done.jsonl";
    write(tree + "/a.png", test::encode(test::photo_like(30, 20), ".png"));
    write(tree + "/b.jpg", test::encode(test::photo_like(20, 30), ".jpg"));
    write(tree + "/c.gif", test::encode(test::photo_like(10, 10), ".gif"));
    write(tree + "/caf\xe9.png", test::encode(test::photo_like(10, 12), ".png")); // Latin-1: not UTF-8
    write(tree + "/bad.jpg", "\xff\xd8\xff garbage after a JPEG signature");
    const std::vector<std::string> args{tree, "--server", server().url(), "--api-key", kKey, "--manifest", list};

    int before = uploads();
    ImportRun r = import(args, work);
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 4 uploaded, 0 skipped (uploaded before), 1 failed; not images: 0, "
                                  "duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 4);

    before = uploads();
    r = import(args, work);
    EXPECT_EQ(r.code, 1) << r.out << r.err; // the refused file is tried again, and refused again
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 0 uploaded, 4 skipped (uploaded before), 1 failed; not images: 0, "
                                  "duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 0);
    auto lines = manifest(list);
    ASSERT_EQ(lines.size(), 6u);
    EXPECT_EQ(lines[5]["path"], tree + "/bad.jpg");
    EXPECT_EQ(lines[5]["status"], "failed");
    // The name that is not UTF-8: U+FFFD in the manifest (JSON is UTF-8) and in the stored name,
    // and still recognised above as uploaded.
    const auto latin = std::find_if(lines.begin(), lines.end(),
                                    [&](const auto& l) { return l["path"] == tree + "/caf\xef\xbf\xbd.png"; });
    ASSERT_NE(latin, lines.end());
    EXPECT_EQ(http_get(server().url("/image/" + (*latin)["id"].get<std::string>() + "/")).json()["filename"],
              "caf\xef\xbf\xbd.png");

    // Same size, newer modification time: sent again. The broken file is fixed: sent too.
    fs::last_write_time(tree + "/b.jpg", fs::last_write_time(tree + "/b.jpg") + std::chrono::hours(1));
    write(tree + "/bad.jpg", test::encode(test::photo_like(12, 8), ".jpg"));
    before = uploads();
    r = import(args, work);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 2 uploaded, 3 skipped (uploaded before), 0 failed; not images: 0, "
                                  "duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 2);
    lines = manifest(list);
    ASSERT_EQ(lines.size(), 8u);
    std::set<std::string> sent{lines[6]["path"], lines[7]["path"]};
    EXPECT_EQ(sent, (std::set<std::string>{tree + "/b.jpg", tree + "/bad.jpg"}));
    for (size_t i = 6; i < 8; ++i) {
        EXPECT_EQ(lines[i]["status"], "uploaded");
        expect_arrived(lines[i], lines[i]["path"] == tree + "/b.jpg" ? 20 : 12,
                       lines[i]["path"] == tree + "/b.jpg" ? 30 : 8, "jpegload_buffer");
    }

    // Nothing left to do: the server is not even asked.
    r = import({tree, "--server", "http://127.0.0.1:" + std::to_string(free_port()), "--manifest", list}, work);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 0 uploaded, 5 skipped (uploaded before), 0 failed; not images: 0, "
                                  "duplicate paths: 0");
}

TEST(Import, TheApiKeyIsAskedForThenARefusedKeyStopsTheImport) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string tree = work + "/tree", list = work + "/keys.jsonl";
    for (int i = 0; i < 3; ++i) {
        write(tree + "/" + std::to_string(i) + ".png", test::encode(test::photo_like(16, 16 + i), ".png"));
    }
    const int before = uploads();

    ImportRun r = import({tree, "--server", server().url(), "--manifest", list}, work);
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_EQ(r.err, "imgpipe import: " + server().url() +
                         " needs an API key for uploads: give it with --api-key or IMGPIPE_API_KEY\n");
    EXPECT_EQ(manifest(list).size(), 0u);

    r = import({tree, "--server", server().url(), "--manifest", list, "--jobs", "1", "--api-key",
                "not-the-key-0123456789"},
               work);
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    auto lines = manifest(list);
    ASSERT_EQ(lines.size(), 1u); // the first refusal stops the import
    EXPECT_EQ(lines[0]["status"], "failed");
    EXPECT_EQ(lines[0]["error"], "unauthorized");
    EXPECT_EQ(lines[0]["http_status"], 401);
    EXPECT_NE(r.out.find("failed: unauthorized (1)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("stopped: the server refused the API key"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2 files not sent"), std::string::npos) << r.out;
    EXPECT_EQ(uploads(), before);

    // The key from the environment (kept out of the process list).
    r = import({tree, "--server", server().url(), "--manifest", list}, work, "IMGPIPE_API_KEY=" + kKey);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 3 uploaded, 0 skipped (uploaded before), 0 failed; not images: 0, "
                                  "duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 3);
}

TEST(Import, UsageErrorsExitTwoWithOneLineAndAServerThatIsNotThereExitsOne) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    write(work + "/tree/a.png", test::encode(test::photo_like(8, 8), ".png"));
    const std::string url = server().url();
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    for (const Case& c : std::vector<Case>{
             {{"tree"}, "--server"},
             {{"--server", url}, "paths"},
             {{"tree", "missing", "--server", url}, "missing: No such file or directory"},
             {{"tree", "--server", "ftp://127.0.0.1/"}, "http:// or https://"},
             {{"tree", "--server", url, "--jobs", "0"}, "--jobs"},
             {{"tree", "--server", url, "--jobs", "many"}, "--jobs"},
             {{"tree", "--server", url, "--progress-interval", "-1"}, "--progress-interval"},
         }) {
        const ImportRun r = import(c.args, work);
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(work + "/imgpipe-import.jsonl")) << r.err; // refused before anything
    }

    // A second import on the same manifest at once.
    const int held = ::open((work + "/held.jsonl").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_EQ(::flock(held, LOCK_EX), 0);
    ImportRun r = import({"tree", "--server", url, "--api-key", kKey, "--manifest", "held.jsonl"}, work);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err, "imgpipe import: another import is writing the manifest " + work + "/held.jsonl\n");
    ::close(held);

    r = import({"tree", "--server", "http://127.0.0.1:" + std::to_string(free_port())}, work);
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot reach http://127.0.0.1:"), std::string::npos) << r.err;
}

TEST(Import, ParallelUploadsWaitAndRetryWhenTheServerIsBusy) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string jpeg = test::encode(test::photo_like(600, 400), ".jpg[Q=60]");
    for (int i = 0; i < 8; ++i) write(work + "/tree/" + std::to_string(i) + ".jpg", jpeg);
    const double refused_before = metric("imgpipe_overloaded_total");
    const int before = uploads();
    const ImportRun r = import({"tree", "--server", server().url(), "--api-key", kKey, "--jobs", "4"}, work);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: 8 uploaded, 0 skipped (uploaded before), 0 failed; not images: 0, "
                                  "duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 8);
    // Four at once against one worker and a queue of one: some were refused with 503 and sent again.
    EXPECT_GT(metric("imgpipe_overloaded_total"), refused_before);
}

// A tree of `n` copies of one JPEG; returns their paths.
std::set<std::string> many_files(const std::string& tree, int n) {
    const std::string jpeg = test::encode(test::photo_like(320, 240), ".jpg");
    std::set<std::string> paths;
    for (int i = 0; i < n; ++i) {
        const std::string path = tree + "/" + std::to_string(i / 10) + "/" + std::to_string(i) + ".jpg";
        write(path, jpeg);
        paths.insert(path);
    }
    return paths;
}

// Starts an import of `tree` and signals it once the manifest has a few lines; returns its exit
// status and the lines it had then.
std::pair<int, size_t> interrupt(const std::string& tree, const std::string& list, const std::string& work,
                                 int signal, const std::string& jobs) {
    ChildProcess child;
    // exec: the shell becomes imgpipe (same PID), its stdout in a file.
    child.start({"/bin/sh", "-c", "exec \"$0\" \"$@\" > " + quoted(work + "/interrupted-out.txt"), imgpipe_binary(),
                 "import", tree, "--server", server().url(), "--api-key", kKey, "--manifest", list, "--jobs", jobs},
                "", false, work + "/interrupted-err.txt");
    EXPECT_TRUE(wait_until([&] { return newlines(list) >= 3; })) << test::read_file(work + "/interrupted-err.txt");
    const int code = child.stop(signal);
    return {code, newlines(list)};
}

TEST(Import, AnInterruptedImportFinishesWhatIsInFlightAndTheNextRunSendsTheRest) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string tree = work + "/tree", list = work + "/resume.jsonl";
    const auto paths = many_files(tree, 40);
    const int before = uploads();

    const auto [code, recorded] = interrupt(tree, list, work, SIGINT, "1");
    EXPECT_EQ(code, 130);
    ASSERT_LT(recorded, 40u) << "the import ended before it was interrupted";
    // The upload in flight finished and was recorded: the server has exactly what the manifest says.
    EXPECT_EQ(static_cast<size_t>(uploads() - before), recorded);
    for (const auto& l : manifest(list)) EXPECT_EQ(l["status"], "uploaded") << l;
    const std::string out = test::read_file(work + "/interrupted-out.txt");
    EXPECT_NE(out.find("interrupted (SIGINT): " + std::to_string(40 - recorded) + " files not sent"),
              std::string::npos)
        << out;
    EXPECT_NE(test::read_file(work + "/interrupted-err.txt").find("interrupted: the uploads in flight finish"),
              std::string::npos);

    const ImportRun r = import({tree, "--server", server().url(), "--api-key", kKey, "--manifest", list, "--jobs", "1",
                          "--progress-interval", "0.05"},
                         work);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: " + std::to_string(40 - recorded) + " uploaded, " +
                                      std::to_string(recorded) +
                                      " skipped (uploaded before), 0 failed; not images: 0, duplicate paths: 0");
    EXPECT_EQ(uploads() - before, 40); // nothing twice
    std::map<std::string, int> uploaded;
    for (const auto& l : manifest(list)) uploaded[l["path"]] += l["status"] == "uploaded";
    EXPECT_EQ(uploaded.size(), 40u);
    for (const auto& p : paths) EXPECT_EQ(uploaded[p], 1) << p;

    // Plain progress lines every 0.05 s: several, never going back, the last one complete.
    const auto progress = progress_counts(r.err);
    EXPECT_GE(progress.size(), 2u) << r.err;
    for (size_t i = 1; i < progress.size(); ++i) EXPECT_LE(progress[i - 1].first, progress[i].first);
    ASSERT_FALSE(progress.empty());
    EXPECT_EQ(progress.back(), std::make_pair(40 - recorded, 40 - recorded));
}

TEST(Import, AKilledImportLosesAtMostTheFilesInFlight) {
    const Scratch scratch;
    const std::string& work = scratch.dir;
    const std::string tree = work + "/tree", list = work + "/killed.jsonl";
    const auto paths = many_files(tree, 30);
    const int before = uploads();

    const auto [code, recorded] = interrupt(tree, list, work, SIGKILL, "2");
    EXPECT_EQ(code, 128 + SIGKILL);
    ASSERT_LT(recorded, 30u) << "the import ended before it was killed";
    const size_t stored = static_cast<size_t>(uploads() - before);
    EXPECT_GE(stored, recorded);
    EXPECT_LE(stored, recorded + 2); // the two in flight may have arrived unrecorded
    // As if the kill had cut a line in the middle (a full disk could): the next run says so, skips
    // it and starts its own lines on a new line.
    {
        std::ofstream cut(list, std::ios::app);
        cut << R"({"path":")" << tree << R"(/0/0.jpg","size":)";
    }

    const ImportRun r = import({tree, "--server", server().url(), "--api-key", kKey, "--manifest", list}, work);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.err).at(0), "imgpipe import: 1 line of " + list + " did not parse: ignored");
    EXPECT_EQ(lines_of(r.out)[0], "imgpipe import: " + std::to_string(30 - recorded) + " uploaded, " +
                                      std::to_string(recorded) +
                                      " skipped (uploaded before), 0 failed; not images: 0, duplicate paths: 0");
    const size_t total = static_cast<size_t>(uploads() - before);
    EXPECT_GE(total, 30u);
    EXPECT_LE(total, 32u);
    std::set<std::string> uploaded;
    size_t bad = 0;
    const auto lines = manifest(list, &bad);
    EXPECT_EQ(bad, 1u);
    EXPECT_EQ(lines.size(), 30u);
    for (const auto& l : lines) {
        if (l["status"] == "uploaded") uploaded.insert(l["path"].get<std::string>());
    }
    EXPECT_EQ(uploaded, paths);
}

} // namespace
} // namespace imgpipe::e2e
