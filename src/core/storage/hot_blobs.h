#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace imgpipe {

// The bytes of small objects served lately, kept in memory so that serving one again costs no
// open, fstat, read or close (on the project's VMs those four were 15% of a stored hit's CPU).
// Objects never change once written, so an entry stays right until its object is removed, which
// drops it. Bounded by bytes, the least recently used out first; objects over `max_object_bytes`
// are never kept. An object is kept from its second read on (`asked_before`): variants made and
// served once, the most of them under load, neither push out what is used nor grow the memory.
// Thread-safe.
class HotBlobs {
public:
    using Bytes = std::shared_ptr<const std::string>;

    HotBlobs(uint64_t max_bytes, uint64_t max_object_bytes)
        : max_bytes_(max_bytes), max_object_bytes_(max_object_bytes) {}

    bool admits(uint64_t size) const { return size <= max_object_bytes_ && size <= max_bytes_; }
    Bytes get(const std::string& id); // null if not kept; a hit counts as a use
    // Whether `id` was asked for before among the last kRemembered ids asked for (and not kept);
    // remembers it if not.
    bool asked_before(const std::string& id);
    static constexpr size_t kRemembered = 8192;
    void put(const std::string& id, Bytes bytes); // ignored unless admits(bytes->size())
    void erase(const std::string& id);
    void erase_image(const std::string& uuid); // the original and every "<uuid>/..."
    uint64_t bytes() const;

private:
    struct Entry {
        Bytes bytes;
        std::list<std::string>::iterator at;
    };
    void erase_locked(std::unordered_map<std::string, Entry>::iterator it);

    const uint64_t max_bytes_;
    const uint64_t max_object_bytes_;
    mutable std::mutex mutex_;
    std::list<std::string> order_; // most recently used first
    std::unordered_map<std::string, Entry> entries_;
    uint64_t bytes_ = 0;
    std::unordered_set<size_t> asked_;   // hashes of ids asked for once
    std::vector<size_t> asked_order_;    // the same, oldest first from asked_next_
    size_t asked_next_ = 0;
};

} // namespace imgpipe
