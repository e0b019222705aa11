#pragma once

#include "http/multipart.h"
#include "http/spool_feeder.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace imgpipe::http {

// Collects a multipart form: the part named "file" (when files are accepted: given a way to open
// one) goes to a SpoolFeeder, every other part is kept in memory up to a small cap. A repeated
// field or a part without a name is a bad request.
class FormSink final : public PartSink {
public:
    static constexpr size_t kMaxFieldBytes = 64 * 1024;

    using FileOpener = std::function<std::unique_ptr<SpoolFeeder>()>;

    // Without an opener, a part named "file" is a field like the others.
    explicit FormSink(FileOpener open_file = {}) : open_file_(std::move(open_file)) {}

    void begin(const PartHeaders& headers) override;
    void data(std::string_view bytes) override;
    void end() override {}

    SpoolFeeder* file() { return file_.get(); } // null until the part "file" begins
    const std::string& filename() const { return filename_; }
    const std::map<std::string, std::string>& fields() const { return fields_; }

private:
    FileOpener open_file_;
    std::unique_ptr<SpoolFeeder> file_;
    std::string filename_;
    std::map<std::string, std::string> fields_;
    std::string* current_field_ = nullptr; // null while the file part is being received
    size_t field_bytes_ = 0;
};

} // namespace imgpipe::http
