#pragma once

#include "core/storage/spool.h"
#include "http/multipart.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace imgpipe::http {

// Collects a multipart form: the part named "file" (when files are accepted) is spooled to disk
// with its MD5, every other part is kept in memory up to a small cap. A repeated field or a part
// without a name is a bad request.
class FormSink final : public PartSink {
public:
    static constexpr size_t kMaxFieldBytes = 64 * 1024;

    FormSink(std::filesystem::path temp_dir, uint64_t max_file_bytes, bool accept_file)
        : temp_dir_(std::move(temp_dir)), max_file_bytes_(max_file_bytes), accept_file_(accept_file) {}

    void begin(const PartHeaders& headers) override;
    void data(std::string_view bytes) override;
    void end() override {}

    std::unique_ptr<Spool> take_file() { return std::move(file_); }
    const std::string& filename() const { return filename_; }
    const std::map<std::string, std::string>& fields() const { return fields_; }

private:
    std::filesystem::path temp_dir_;
    uint64_t max_file_bytes_;
    bool accept_file_;
    std::unique_ptr<Spool> file_;
    std::string filename_;
    std::map<std::string, std::string> fields_;
    std::string* current_field_ = nullptr; // null while the file part is being received
    size_t field_bytes_ = 0;
};

} // namespace imgpipe::http
