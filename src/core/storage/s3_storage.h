#pragma once

#include "core/storage/s3_client.h"
#include "core/storage/storage.h"

namespace imgpipe {

// Objects in an S3-compatible bucket, in the original service's layout: the original at
// <prefix><uuid>, a derivative at <prefix><uuid>/<canonical chain>, with Content-Type and the
// file name and dimensions as x-amz-meta-* so that metadata is one HEAD. A PUT is atomic in S3,
// so an object is visible only when complete. Uploads stream from the spool file; reads stream
// back through a bounded buffer. Every call may block on the network (blocking() is true).
class S3Storage final : public Storage {
public:
    S3Storage(S3Config config, std::filesystem::path temp_dir);

    // Throws std::runtime_error with a clear message when the bucket is missing, the credentials
    // are refused or the endpoint cannot be reached.
    void check_bucket();

    std::optional<ObjectInfo> head(const std::string& id) override;
    void put_file(const ObjectInfo& info, const std::filesystem::path& file) override;
    void put_bytes(const ObjectInfo& info, std::string_view bytes) override;
    std::unique_ptr<BlobReader> open(const std::string& id) override;
    std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) override;
    LocalFile local_file(const std::string& id) override;
    std::filesystem::path temp_dir() const override { return temp_dir_; }
    bool blocking() const override { return true; }
    void remove(const std::string& id) override;
    // The original (one DELETE), then every key under <prefix><uuid>/ (listed after that, so a
    // variant stored meanwhile is either listed or sees its original gone), one DELETE each.
    size_t remove_image(const std::string& uuid) override;
    bool exists(const std::string& id) override { return head(id).has_value(); }
    // ListObjectsV2 with delimiter '/' (the originals are the keys without one), then a HEAD for
    // each original listed, for its metadata.
    ImagePage list_images(const std::string& after, size_t limit) override;
    std::string identity() override; // the object <prefix>store-id
    std::optional<std::string> presigned_url(const ObjectInfo& info, int expires_s) override;

    std::string key_of(const std::string& id) const; // <prefix><uuid>[/<chain>]
    // Connections opened to the endpoint so far (for /metrics).
    uint64_t new_connections() const { return client_.new_connections(); }

private:
    std::vector<std::string> metadata_headers(const ObjectInfo& info) const;
    void expect_stored(const S3Client::Reply& reply, const std::string& id) const;
    // The object from byte `first`: `length` bytes, or to its end when none is given.
    std::unique_ptr<BlobReader> open_at(const std::string& id, uint64_t first, std::optional<uint64_t> length);

    S3Client client_;
    std::filesystem::path temp_dir_;
};

} // namespace imgpipe
