#include "core/storage/hot_blobs.h"

#include "core/ids.h"

namespace imgpipe {

HotBlobs::Bytes HotBlobs::get(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.at);
    return it->second.bytes;
}

bool HotBlobs::asked_before(const std::string& id) {
    const size_t hash = std::hash<std::string>{}(id);
    std::lock_guard lock(mutex_);
    if (asked_.contains(hash)) return true;
    if (asked_order_.size() < kRemembered) {
        asked_order_.push_back(hash);
    } else {
        asked_.erase(asked_order_[asked_next_]);
        asked_order_[asked_next_] = hash;
        asked_next_ = (asked_next_ + 1) % kRemembered;
    }
    asked_.insert(hash);
    return false;
}

void HotBlobs::put(const std::string& id, Bytes bytes) {
    if (!bytes || !admits(bytes->size())) return;
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) erase_locked(it);
    bytes_ += bytes->size();
    order_.push_front(id);
    entries_.emplace(id, Entry{std::move(bytes), order_.begin()});
    while (bytes_ > max_bytes_) erase_locked(entries_.find(order_.back()));
}

void HotBlobs::erase(const std::string& id) {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(id); it != entries_.end()) erase_locked(it);
}

void HotBlobs::erase_image(const std::string& uuid) {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
        const auto next = std::next(it);
        if (is_of_image(it->first, uuid)) erase_locked(it);
        it = next;
    }
}

uint64_t HotBlobs::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

void HotBlobs::erase_locked(std::unordered_map<std::string, Entry>::iterator it) {
    bytes_ -= it->second.bytes->size();
    order_.erase(it->second.at);
    entries_.erase(it);
}

} // namespace imgpipe
