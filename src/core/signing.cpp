#include "core/signing.h"

#include "core/hash.h"

#include <openssl/rand.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>

namespace imgpipe {

std::string UrlSigner::signature(std::string_view path, std::string_view expires) const {
    std::string msg;
    msg.reserve(path.size() + expires.size() + 1);
    msg.append(path).append("\n").append(expires);
    return to_hex(hmac_sha256(secret_, msg));
}

std::string UrlSigner::sign(std::string_view path, int64_t expires_unix) const {
    const std::string exp = std::to_string(expires_unix);
    return std::string(path) + "?expires=" + exp + "&signature=" + signature(path, exp);
}

bool UrlSigner::verify(std::string_view path, std::string_view expires, std::string_view sig,
                       int64_t now_unix) const {
    int64_t exp = 0;
    auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), exp);
    if (ec != std::errc{} || end != expires.data() + expires.size()) return false;
    if (!constant_time_equal(signature(path, expires), sig)) return false;
    return now_unix <= exp;
}

std::string load_or_create_secret(const std::string& data_dir) {
    namespace fs = std::filesystem;
    const fs::path file = fs::path(data_dir) / "secret";
    if (std::ifstream in{file}; in) {
        std::string s;
        std::getline(in, s);
        if (s.size() >= 32) return s;
    }
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    const std::string secret = to_hex({reinterpret_cast<const char*>(raw), sizeof raw});
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out{tmp, std::ios::trunc};
        out << secret << "\n";
        if (!out) throw std::runtime_error("cannot write " + file.string());
    }
    ::chmod(tmp.c_str(), 0600);
    fs::rename(tmp, file);
    return secret;
}

} // namespace imgpipe
