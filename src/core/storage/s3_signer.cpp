#include "core/storage/s3_signer.h"

#include "core/hash.h"
#include "core/text.h"

#include <ctime>

namespace imgpipe {

std::string amz_date(int64_t unix_time) {
    const std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string aws_uri_encode(const std::string& s, bool keep_slash) {
    return percent_encode(s, keep_slash ? "-_.~/" : "-_.~");
}

std::string presign_get(const PresignInput& in) {
    const std::string datetime = amz_date(in.now_unix);
    const std::string date = datetime.substr(0, 8);
    const std::string scope = date + "/" + in.region + "/s3/aws4_request";

    // Query parameters in byte order of their names, as the canonical request needs them.
    std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
    query += "&X-Amz-Credential=" + aws_uri_encode(in.access_key + "/" + scope, false);
    query += "&X-Amz-Date=" + datetime;
    query += "&X-Amz-Expires=" + std::to_string(in.expires_s);
    if (!in.session_token.empty()) {
        query += "&X-Amz-Security-Token=" + aws_uri_encode(in.session_token, false);
    }
    query += "&X-Amz-SignedHeaders=host";

    const std::string canonical_request = "GET\n" + in.canonical_uri + "\n" + query + "\nhost:" +
                                          in.host + "\n\nhost\nUNSIGNED-PAYLOAD";
    const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" +
                                       sha256_hex(canonical_request);
    std::string key = hmac_sha256("AWS4" + in.secret_key, date);
    key = hmac_sha256(key, in.region);
    key = hmac_sha256(key, "s3");
    key = hmac_sha256(key, "aws4_request");
    const std::string signature = to_hex(hmac_sha256(key, string_to_sign));
    return in.scheme_host + in.canonical_uri + "?" + query + "&X-Amz-Signature=" + signature;
}

} // namespace imgpipe
