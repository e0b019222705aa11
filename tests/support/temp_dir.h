#pragma once
// A temporary directory for a test, removed with everything in it at the end of the test, and
// random bytes to fill its files (the same for a seed); test_images.h reads and writes files.
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

namespace imgpipe::test {

struct TempDir {
    explicit TempDir(const std::string& prefix)
        : path(std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    size_t files() const {
        return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(path), {}));
    }
    std::filesystem::path path;
};

inline std::string random_bytes(size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen());
    return s;
}

} // namespace imgpipe::test
