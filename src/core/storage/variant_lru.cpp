#include "core/storage/variant_lru.h"

namespace imgpipe {

void VariantLru::add(const std::string& id, uint64_t bytes) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) erase_locked(it);
    order_.push_front(id);
    entries_[id] = Entry{bytes, order_.begin()};
    bytes_ += bytes;
}

void VariantLru::touch(const std::string& id) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) order_.splice(order_.begin(), order_, it->second.at);
}

void VariantLru::erase(const std::string& id) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) erase_locked(it);
}

void VariantLru::erase_image(const std::string& uuid) {
    std::lock_guard lock(mutex_);
    const std::string prefix = uuid + "/";
    for (auto it = entries_.begin(); it != entries_.end();) {
        auto next = std::next(it);
        if (it->first.compare(0, prefix.size(), prefix) == 0) erase_locked(it);
        it = next;
    }
}

std::vector<std::string> VariantLru::take_over_cap() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    while (bytes_ > max_bytes_ && order_.size() > 1) {
        out.push_back(order_.back());
        erase_locked(entries_.find(order_.back()));
    }
    return out;
}

uint64_t VariantLru::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

void VariantLru::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
    bytes_ -= it->second.bytes;
    order_.erase(it->second.at);
    entries_.erase(it);
}

} // namespace imgpipe
