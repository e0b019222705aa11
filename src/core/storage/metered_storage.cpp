#include "core/storage/metered_storage.h"

namespace imgpipe {

namespace {

constexpr const char* kRead = "imgpipe_storage_read_seconds";
constexpr const char* kReadHelp = "Seconds per storage read call (head, open, local_file, exists, list), by backend.";
constexpr const char* kWrite = "imgpipe_storage_write_seconds";
constexpr const char* kWriteHelp =
    "Seconds per storage write call (put_file, put_bytes, remove, remove_image), by backend.";

} // namespace

MeteredStorage::MeteredStorage(Storage& inner, const std::string& backend, Metrics& metrics)
    : inner_(inner),
      head_(metrics.histogram(kRead, kReadHelp, kLatencyBuckets, {{"backend", backend}, {"op", "head"}})),
      open_(metrics.histogram(kRead, kReadHelp, kLatencyBuckets, {{"backend", backend}, {"op", "open"}})),
      local_file_(metrics.histogram(kRead, kReadHelp, kLatencyBuckets,
                                    {{"backend", backend}, {"op", "local_file"}})),
      exists_(metrics.histogram(kRead, kReadHelp, kLatencyBuckets, {{"backend", backend}, {"op", "exists"}})),
      list_(metrics.histogram(kRead, kReadHelp, kLatencyBuckets, {{"backend", backend}, {"op", "list"}})),
      put_file_(metrics.histogram(kWrite, kWriteHelp, kLatencyBuckets,
                                  {{"backend", backend}, {"op", "put_file"}})),
      put_bytes_(metrics.histogram(kWrite, kWriteHelp, kLatencyBuckets,
                                   {{"backend", backend}, {"op", "put_bytes"}})),
      remove_(metrics.histogram(kWrite, kWriteHelp, kLatencyBuckets, {{"backend", backend}, {"op", "remove"}})),
      remove_image_(metrics.histogram(kWrite, kWriteHelp, kLatencyBuckets,
                                      {{"backend", backend}, {"op", "remove_image"}})) {}

std::optional<ObjectInfo> MeteredStorage::head(const std::string& id) {
    const auto timer = head_.time();
    return inner_.head(id);
}

void MeteredStorage::put_file(const ObjectInfo& info, const std::filesystem::path& file) {
    const auto timer = put_file_.time();
    inner_.put_file(info, file);
}

void MeteredStorage::put_bytes(const ObjectInfo& info, std::string_view bytes) {
    const auto timer = put_bytes_.time();
    inner_.put_bytes(info, bytes);
}

std::unique_ptr<BlobReader> MeteredStorage::open(const std::string& id) {
    const auto timer = open_.time();
    return inner_.open(id);
}

std::unique_ptr<BlobReader> MeteredStorage::open_range(const std::string& id, uint64_t first, uint64_t length) {
    const auto timer = open_.time();
    return inner_.open_range(id, first, length);
}

LocalFile MeteredStorage::local_file(const std::string& id) {
    const auto timer = local_file_.time();
    return inner_.local_file(id);
}

void MeteredStorage::remove(const std::string& id) {
    const auto timer = remove_.time();
    inner_.remove(id);
}

size_t MeteredStorage::remove_image(const std::string& uuid) {
    const auto timer = remove_image_.time();
    return inner_.remove_image(uuid);
}

bool MeteredStorage::exists(const std::string& id) {
    const auto timer = exists_.time();
    return inner_.exists(id);
}

ImagePage MeteredStorage::list_images(const std::string& after, size_t limit) {
    const auto timer = list_.time();
    return inner_.list_images(after, limit);
}

} // namespace imgpipe
