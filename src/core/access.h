#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace imgpipe {

// Write protection: when keys are configured, uploads and link uploads need
// "Authorization: Bearer <key>". Keys are compared as HMACs of equal length with CRYPTO_memcmp,
// and every configured key is tried, so the time taken says nothing about how close a guess was.
class ApiKeys {
public:
    explicit ApiKeys(const std::vector<std::string>& keys);
    bool enabled() const { return !digests_.empty(); }
    // `authorization` is the raw header value ("Bearer abc..."); empty when absent.
    bool accepts(std::string_view authorization) const;

private:
    std::string salt_; // random per process: digests of keys are never comparable across runs
    std::vector<std::string> digests_;
};

// Signed transform URLs (as imgproxy does): with a key configured, a request that names an op
// chain must carry ?sig=<hex HMAC-SHA256 of "<id>/<canonical chain>">, so strangers cannot make the
// service compute variants nobody published. The canonical chain is signed, so every spelling of the
// same chain (`a/b`, `a|b`, `%7C`) carries the same signature.
class TransformSigner {
public:
    explicit TransformSigner(std::string key) : key_(std::move(key)) {}
    bool enabled() const { return !key_.empty(); }
    // The signed subject is transform_subject(id, canonical chain), whatever key the variant is
    // stored under.
    std::string sign(std::string_view id, std::string_view canonical_chain) const;
    bool verify(std::string_view id, std::string_view canonical_chain, std::string_view sig) const;

private:
    std::string key_;
};

// What a transform signature covers: "<id>/<canonical chain>".
std::string transform_subject(std::string_view id, std::string_view canonical_chain);

// Both, as the HTTP layer receives them.
struct Access {
    ApiKeys api_keys;
    TransformSigner transforms;
};

// Every key (API keys, --transform-key, --secret) has at least this many characters: a short one
// could be guessed offline from a single signed URL.
constexpr size_t kMinKeyLength = 16;
// Throws std::invalid_argument("<name> must be at least 16 characters") for a shorter key. One
// check, so that serve, --print-config and sign refuse a key in the same words.
void check_key_length(std::string_view name, std::string_view key);

// "k1, k2" and a file of one key per line ('#' starts a comment) -> the keys. Throws
// std::invalid_argument for a key shorter than 16 characters or an unreadable file.
std::vector<std::string> read_api_keys(std::string_view list, const std::string& file);

} // namespace imgpipe
