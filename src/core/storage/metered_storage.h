#pragma once

#include "core/metrics.h"
#include "core/storage/storage.h"

#include <string>

namespace imgpipe {

// Any Storage, with the latency of each call observed in the registry, so that the backends stay
// free of metrics:
//   imgpipe_storage_read_seconds{backend, op}  op = head, open, local_file, exists, list
//   imgpipe_storage_write_seconds{backend, op} op = put_file, put_bytes, remove, remove_image
// A call is observed whether it succeeds or throws (a timeout is a latency too). open() is timed
// until the object is open, not while its bytes stream out; local_file() includes the download of
// a remote object. identity(), temp_dir(), blocking() and presigned_url() do no I/O worth timing
// and are only forwarded.
class MeteredStorage final : public Storage {
public:
    // `backend`: the label value, "local" or "s3".
    MeteredStorage(Storage& inner, const std::string& backend, Metrics& metrics);

    std::optional<ObjectInfo> head(const std::string& id) override;
    void put_file(const ObjectInfo& info, const std::filesystem::path& file) override;
    void put_bytes(const ObjectInfo& info, std::string_view bytes) override;
    std::unique_ptr<BlobReader> open(const std::string& id) override;
    std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) override;
    LocalFile local_file(const std::string& id) override;
    std::filesystem::path temp_dir() const override { return inner_.temp_dir(); }
    bool blocking() const override { return inner_.blocking(); }
    void remove(const std::string& id) override;
    size_t remove_image(const std::string& uuid) override;
    bool exists(const std::string& id) override;
    ImagePage list_images(const std::string& after, size_t limit) override;
    std::string identity() override { return inner_.identity(); }
    std::optional<std::string> presigned_url(const ObjectInfo& info, int expires_s) override {
        return inner_.presigned_url(info, expires_s);
    }

    Storage& inner() { return inner_; }

private:
    Storage& inner_;
    Histogram &head_, &open_, &local_file_, &exists_, &list_, &put_file_, &put_bytes_, &remove_,
        &remove_image_;
};

} // namespace imgpipe
