#include "core/access.h"

#include "core/hash.h"
#include "core/text.h"

#include <openssl/rand.h>

#include <fstream>
#include <stdexcept>

namespace imgpipe {

namespace {
void add_key(std::vector<std::string>& keys, std::string_view key) {
    key = trim(key);
    if (key.empty()) return;
    check_key_length("API keys", key);
    keys.emplace_back(key);
}
} // namespace

void check_key_length(std::string_view name, std::string_view key) {
    if (key.size() < kMinKeyLength) {
        throw std::invalid_argument(std::string(name) + " must be at least " +
                                    std::to_string(kMinKeyLength) + " characters");
    }
}

ApiKeys::ApiKeys(const std::vector<std::string>& keys) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
    salt_.assign(reinterpret_cast<const char*>(raw), sizeof raw);
    for (const auto& key : keys) digests_.push_back(hmac_sha256(salt_, key));
}

bool ApiKeys::accepts(std::string_view authorization) const {
    authorization = trim(authorization);
    constexpr std::string_view scheme = "bearer ";
    if (authorization.size() <= scheme.size() ||
        to_lower(authorization.substr(0, scheme.size())) != scheme) {
        return false;
    }
    const std::string given = hmac_sha256(salt_, trim(authorization.substr(scheme.size())));
    bool ok = false;
    for (const auto& digest : digests_) ok |= constant_time_equal(digest, given); // no early exit
    return ok;
}

std::string transform_subject(std::string_view id, std::string_view canonical_chain) {
    return std::string(id) + "/" + std::string(canonical_chain);
}

std::string TransformSigner::sign(std::string_view id, std::string_view canonical_chain) const {
    return to_hex(hmac_sha256(key_, transform_subject(id, canonical_chain)));
}

bool TransformSigner::verify(std::string_view id, std::string_view canonical_chain,
                             std::string_view sig) const {
    return constant_time_equal(sign(id, canonical_chain), to_lower(sig));
}

std::vector<std::string> read_api_keys(std::string_view list, const std::string& file) {
    std::vector<std::string> keys;
    while (!list.empty()) {
        const auto comma = list.find(',');
        add_key(keys, list.substr(0, comma));
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
    }
    if (!file.empty()) {
        std::ifstream in{file};
        if (!in) throw std::invalid_argument("cannot read the API key file " + file);
        for (std::string line; std::getline(in, line);) {
            if (!trim(line).empty() && trim(line).front() == '#') continue;
            add_key(keys, line);
        }
    }
    return keys;
}

} // namespace imgpipe
