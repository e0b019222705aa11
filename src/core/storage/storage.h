#pragma once

#include "core/storage/temp_file.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgpipe {

// What is kept beside every stored object; the JSON API returns these fields.
struct ObjectInfo {
    std::string id;           // "<uuid>" or "<uuid>/<canonical chain>"
    std::string content_type; // "image/jpeg", ...
    uint64_t content_length = 0;
    std::string etag; // quoted MD5 of the stored bytes, as S3 reports it
    std::string filename;
    int width = 0;
    int height = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ObjectInfo, id, content_type, content_length, etag, filename,
                                   width, height)

// A local file holding an object's bytes. `keep` holds what the file lives on while the caller
// reads it: the TempFile of a download, a worker cache entry's pin; null for a local store's blob.
struct LocalFile {
    std::filesystem::path path;
    std::shared_ptr<void> keep;
};

// An original as the list of images reports it.
struct StoredImage {
    ObjectInfo info;
    std::chrono::system_clock::time_point created; // when the original was stored
};

// One page of the list of originals, ordered by id (UUIDs are random: not by time).
struct ImagePage {
    std::vector<StoredImage> images;
    std::string next; // the id to list after for the next page; empty on the last page
};

// An id split into its parts: "<uuid>" or "<uuid>/<canonical chain>". Throws Error(not_found) for
// anything else, which is what keeps ids from naming objects outside a backend's space.
struct ObjectId {
    std::string uuid;
    std::string chain; // empty for an original
};
ObjectId parse_object_id(const std::string& id);

// An open stored object, for streaming its bytes out.
class BlobReader {
public:
    virtual ~BlobReader() = default;
    virtual uint64_t size() const = 0;
    virtual int native_fd() const { return -1; } // a file descriptor for sendfile(2), if any
    // All size() bytes, when they are in memory already (before any read); empty otherwise.
    virtual std::string_view contiguous() const { return {}; }
    virtual size_t read(char* buf, size_t n) = 0; // 0 at the end
};

// Where originals and derivatives live. An object is visible only once complete (put_* are
// atomic), and everything acknowledged survives a restart.
class Storage {
public:
    virtual ~Storage() = default;

    // Metadata of an object, or nullopt if there is none.
    virtual std::optional<ObjectInfo> head(const std::string& id) = 0;
    // Stores the file at `file` (consumed: moved or deleted) under info.id.
    virtual void put_file(const ObjectInfo& info, const std::filesystem::path& file) = 0;
    virtual void put_bytes(const ObjectInfo& info, std::string_view bytes) = 0;
    // Opens the bytes of an object, or nullptr if there is none.
    virtual std::unique_ptr<BlobReader> open(const std::string& id) = 0;
    // Opens `length` bytes of an object from byte `first` (a range the caller has checked against
    // the object's size), or nullptr if there is none. The reader's size() is `length`.
    virtual std::unique_ptr<BlobReader> open_range(const std::string& id, uint64_t first, uint64_t length) = 0;
    // A local file with the object's bytes for libvips to decode (remote backends download it).
    virtual LocalFile local_file(const std::string& id) = 0;
    // Where uploads and downloads are spooled before put_file.
    virtual std::filesystem::path temp_dir() const = 0;
    // True when calls may wait on the network: callers then keep them off their I/O threads.
    virtual bool blocking() const { return false; }
    // Deletes an object (nothing if there is none).
    virtual void remove(const std::string& id) = 0;
    // Deletes an image: its original first, so that no new variant starts from it, then its mipmap
    // and every variant. Returns how many objects it removed (0: there was no such image).
    virtual size_t remove_image(const std::string& uuid) = 0;
    // Whether the object is in the store now, asked of the store itself and never of a cache: a
    // writer that may have raced with remove_image checks the original this way after its put.
    virtual bool exists(const std::string& id) = 0;
    // Up to `limit` originals whose ids sort after `after` (from the first when empty), by id.
    virtual ImagePage list_images(const std::string& after, size_t limit) = 0;
    // A random token kept in the store itself, created by the first caller: processes that report
    // the same identity share one store (cluster mode refuses to start otherwise).
    virtual std::string identity() = 0;
    // A link that serves the object without imgpipe (a presigned S3 URL), if the backend has one.
    virtual std::optional<std::string> presigned_url(const ObjectInfo&, int /*expires_s*/) {
        return std::nullopt;
    }
};

} // namespace imgpipe
