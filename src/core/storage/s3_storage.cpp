#include "core/storage/s3_storage.h"

#include "core/errors.h"
#include "core/ids.h"
#include "core/text.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <ctime>

namespace imgpipe {

namespace {

int to_int(const std::string& s) {
    int v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::string header(const S3Client::Reply& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
}

// "2026-12-02T08:15:39.000Z" (S3's LastModified) as a time point; the epoch if it is not one.
std::chrono::system_clock::time_point parse_iso8601(const std::string& s) {
    std::tm tm{};
    if (s.size() < 19 || !strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return {};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

} // namespace

S3Storage::S3Storage(S3Config config, std::filesystem::path temp_dir)
    : client_(std::move(config)), temp_dir_(std::move(temp_dir)) {
    std::filesystem::create_directories(temp_dir_);
    for (const auto& entry : std::filesystem::directory_iterator(temp_dir_)) {
        std::filesystem::remove_all(entry.path());
    }
}

void S3Storage::check_bucket() {
    const auto& c = client_.config();
    S3Client::Reply r;
    try {
        r = client_.head_bucket();
    } catch (const Error&) {
        throw std::runtime_error("S3 endpoint " + (c.endpoint.empty() ? "(AWS)" : c.endpoint) +
                                 " cannot be reached");
    }
    if (r.status == 404) throw std::runtime_error("S3 bucket '" + c.bucket + "' does not exist");
    if (r.status == 403 || r.status == 401) {
        throw std::runtime_error("S3 refused the credentials for bucket '" + c.bucket +
                                 "' (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)");
    }
    if (r.status != 200) {
        throw std::runtime_error("S3 bucket check answered HTTP " + std::to_string(r.status));
    }
}

std::string S3Storage::key_of(const std::string& id) const {
    const ObjectId parsed = parse_object_id(id);
    return client_.config().prefix + parsed.uuid + (parsed.chain.empty() ? "" : "/" + parsed.chain);
}

std::vector<std::string> S3Storage::metadata_headers(const ObjectInfo& info) const {
    // Metadata values must be ASCII: the file name travels percent-encoded.
    return {"Content-Type: " + info.content_type,
            "x-amz-meta-filename: " + percent_encode(info.filename, "-_.~ ()"),
            "x-amz-meta-width: " + std::to_string(info.width),
            "x-amz-meta-height: " + std::to_string(info.height)};
}

void S3Storage::expect_stored(const S3Client::Reply& reply, const std::string& id) const {
    if (reply.status == 200) return;
    spdlog::error("S3 PUT of {} answered HTTP {}: {}", id, reply.status, reply.body.substr(0, 300));
    throw Error(ErrorCode::storage_unavailable, "image storage refused the image; try again shortly");
}

std::optional<ObjectInfo> S3Storage::head(const std::string& id) {
    const std::string key = key_of(id);
    const auto r = client_.head(key);
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) {
        spdlog::error("S3 HEAD of {} answered HTTP {}", id, r.status);
        throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
    }
    ObjectInfo info;
    info.id = id;
    info.content_type = header(r, "content-type");
    info.content_length = std::stoull("0" + header(r, "content-length"));
    info.etag = header(r, "etag");
    const std::string name = header(r, "x-amz-meta-filename");
    info.filename = name.empty() ? key.substr(key.rfind('/') + 1) : percent_decode(name);
    info.width = to_int(header(r, "x-amz-meta-width"));
    info.height = to_int(header(r, "x-amz-meta-height"));
    return info;
}

void S3Storage::put_file(const ObjectInfo& info, const std::filesystem::path& file) {
    struct Remove {
        const std::filesystem::path& f;
        ~Remove() { std::filesystem::remove(f); }
    } remove{file};
    // The ETag of a whole-object PUT is the quoted MD5 of the bytes: S3 checks them against it.
    const std::string md5 = info.etag.size() > 2 ? info.etag.substr(1, info.etag.size() - 2) : "";
    expect_stored(client_.put_file(key_of(info.id), file, metadata_headers(info), md5), info.id);
}

void S3Storage::put_bytes(const ObjectInfo& info, std::string_view bytes) {
    expect_stored(client_.put_bytes(key_of(info.id), bytes, metadata_headers(info)), info.id);
}

std::unique_ptr<BlobReader> S3Storage::open(const std::string& id) { return open_at(id, 0, std::nullopt); }

std::unique_ptr<BlobReader> S3Storage::open_range(const std::string& id, uint64_t first, uint64_t length) {
    return open_at(id, first, length);
}

std::unique_ptr<BlobReader> S3Storage::open_at(const std::string& id, uint64_t first, std::optional<uint64_t> length) {
    const auto info = head(id);
    if (!info) return nullptr;
    return client_.get_stream(key_of(id), first, length.value_or(info->content_length), info->content_length);
}

LocalFile S3Storage::local_file(const std::string& id) {
    auto temp = std::make_shared<TempFile>(temp_dir_);
    const auto r = client_.get_to_fd(key_of(id), temp->fd());
    if (r.status == 404) throw Error(ErrorCode::not_found, "no image with this id");
    if (r.status != 200) {
        spdlog::error("S3 GET of {} answered HTTP {}", id, r.status);
        throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
    }
    return LocalFile{temp->path(), temp};
}

void S3Storage::remove(const std::string& id) {
    const auto r = client_.del(key_of(id));
    if (r.status != 204 && r.status != 200 && r.status != 404) {
        spdlog::error("S3 DELETE of {} answered HTTP {}", id, r.status);
        throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
    }
}

size_t S3Storage::remove_image(const std::string& uuid) {
    const std::string original = key_of(uuid); // validates the uuid
    size_t removed = head(uuid) ? 1 : 0;
    remove(uuid);
    std::string continuation;
    do {
        const auto listing = client_.list(original + "/", "", "", continuation);
        for (const auto& listed : listing.keys) {
            const auto r = client_.del(listed.key);
            if (r.status != 204 && r.status != 200 && r.status != 404) {
                spdlog::error("S3 DELETE of {} answered HTTP {}", listed.key, r.status);
                throw Error(ErrorCode::storage_unavailable, "image storage is unavailable; try again shortly");
            }
            ++removed;
        }
        continuation = listing.continuation;
    } while (!continuation.empty());
    return removed;
}

ImagePage S3Storage::list_images(const std::string& after, size_t limit) {
    if (limit == 0) return {};
    const std::string& prefix = client_.config().prefix;
    // The originals' keys, one more than the page (it tells whether there is a next one). With the
    // delimiter every image's variants are one common prefix, so a page of the listing is mostly
    // originals; other keys at this level (store-id, foreign objects) are skipped.
    std::vector<S3Client::Listed> originals;
    std::string continuation;
    do {
        auto listing = client_.list(prefix, "/", after.empty() ? "" : prefix + after, continuation);
        for (auto& listed : listing.keys) {
            if (originals.size() > limit) break;
            if (is_image_id(std::string_view(listed.key).substr(prefix.size()))) {
                originals.push_back(std::move(listed));
            }
        }
        continuation = originals.size() > limit ? "" : listing.continuation;
    } while (!continuation.empty());
    ImagePage page;
    for (size_t i = 0; i < originals.size(); ++i) {
        const std::string id = originals[i].key.substr(prefix.size());
        if (i == limit) {
            page.next = originals[i - 1].key.substr(prefix.size());
            break;
        }
        if (auto info = head(id)) { // removed since the listing: not listed
            page.images.push_back(StoredImage{*info, parse_iso8601(originals[i].last_modified)});
        }
    }
    return page;
}

std::string S3Storage::identity() {
    const std::string key = client_.config().prefix + "store-id";
    auto r = client_.get_bytes(key);
    if (r.status == 404) {
        // Two processes starting at once may both write; the second GET then sees the last write,
        // and both report it (they raced on one store, which is the point).
        client_.put_bytes(key, new_image_id(), {"Content-Type: text/plain"});
        r = client_.get_bytes(key);
    }
    if (r.status != 200) {
        throw std::runtime_error("cannot read the store identity (S3 answered HTTP " +
                                 std::to_string(r.status) + ")");
    }
    return r.body;
}

std::optional<std::string> S3Storage::presigned_url(const ObjectInfo& info, int expires_s) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return client_.presigned_get(key_of(info.id), expires_s, now);
}

} // namespace imgpipe
