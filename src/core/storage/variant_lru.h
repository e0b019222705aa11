#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace imgpipe {

// The variants of a store by last use, with their sizes, for a cap on their bytes: the least
// recently used go first. Kept in memory only (a use moves an entry to the front, nothing is
// written); a store rebuilds it at start from its files' times. Thread-safe.
class VariantLru {
public:
    explicit VariantLru(uint64_t max_bytes) : max_bytes_(max_bytes) {}

    // A variant stored (or stored again: its size is replaced), used now. At start, the variants
    // found are added in order of last use, oldest first.
    void add(const std::string& id, uint64_t bytes);
    void touch(const std::string& id);
    void erase(const std::string& id);
    void erase_image(const std::string& uuid); // every variant of "<uuid>/..."
    // The least recently used variants to remove for the rest to fit the cap, taken out of the
    // index. The most recently used one always stays, even alone over the cap: it was just asked for.
    std::vector<std::string> take_over_cap();
    uint64_t bytes() const;

private:
    struct Entry {
        uint64_t bytes = 0;
        std::list<std::string>::iterator at;
    };
    void erase_locked(std::unordered_map<std::string, Entry>::iterator it);

    const uint64_t max_bytes_;
    mutable std::mutex mutex_;
    std::list<std::string> order_; // most recently used first
    std::unordered_map<std::string, Entry> entries_;
    uint64_t bytes_ = 0;
};

} // namespace imgpipe
