#include "e2e/ops_world.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>

namespace imgpipe::e2e::ops {

ServerProcess& server_with(const std::vector<std::string>& flags) {
    static std::map<std::vector<std::string>, std::unique_ptr<ServerProcess>> servers;
    auto& s = servers[flags];
    if (!s) {
        s = std::make_unique<ServerProcess>(flags);
        s->start();
    }
    return *s;
}

ServerProcess& server() { return server_with({}); }

std::string upload_id(const std::string& bytes, const std::string& filename) {
    const auto r = http_upload(server().url("/image/upload/"), {"file", bytes, filename});
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) throw std::runtime_error("upload failed: " + r.body);
    return r.json()["id"];
}

HttpResponse get(const std::string& path, const std::vector<std::string>& headers) {
    return http_get(server().url(path), headers);
}

} // namespace imgpipe::e2e::ops
