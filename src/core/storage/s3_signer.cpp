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

    // The canonical query has the parameters in byte order of their names; the URL lists the
    // security token after SignedHeaders, as botocore does (the order on the wire is free).
    const std::string head = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                             aws_uri_encode(in.access_key + "/" + scope, false) +
                             "&X-Amz-Date=" + datetime + "&X-Amz-Expires=" +
                             std::to_string(in.expires_s);
    const std::string token =
        in.session_token.empty() ? "" : "X-Amz-Security-Token=" + aws_uri_encode(in.session_token, false);
    const std::string query = head + (token.empty() ? "" : "&" + token) + "&X-Amz-SignedHeaders=host";
    const std::string url_query = head + "&X-Amz-SignedHeaders=host" + (token.empty() ? "" : "&" + token);

    const std::string canonical_request = "GET\n" + in.canonical_uri + "\n" + query + "\nhost:" +
                                          in.host + "\n\nhost\nUNSIGNED-PAYLOAD";
    const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + datetime + "\n" + scope + "\n" +
                                       sha256_hex(canonical_request);
    std::string key = hmac_sha256("AWS4" + in.secret_key, date);
    key = hmac_sha256(key, in.region);
    key = hmac_sha256(key, "s3");
    key = hmac_sha256(key, "aws4_request");
    const std::string signature = to_hex(hmac_sha256(key, string_to_sign));
    return in.scheme_host + in.canonical_uri + "?" + url_query + "&X-Amz-Signature=" + signature;
}

} // namespace imgpipe
