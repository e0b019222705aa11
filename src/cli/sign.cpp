#include "cli/commands.h"
#include "core/access.h"
#include "core/errors.h"
#include "core/ids.h"
#include "core/ops/parse.h"
#include "http/api.h"

#include <iostream>

namespace imgpipe::cli {

int sign(const SignArgs& args) {
    if (args.key.size() < 16) {
        std::cerr << "imgpipe sign: the transform key (--transform-key or IMGPIPE_TRANSFORM_KEY) must be "
                     "at least 16 characters\n";
        return 2;
    }
    std::string_view target = args.target;
    while (!target.empty() && target.front() == '/') target.remove_prefix(1);
    while (!target.empty() && target.back() == '/') target.remove_suffix(1);
    const auto slash = target.find('/');
    const std::string id(target.substr(0, slash));
    if (!is_image_id(id) || slash == std::string_view::npos) {
        std::cerr << "imgpipe sign: expected <id>/<op chain>, e.g. <uuid>/rotate:10|convert:png\n";
        return 2;
    }
    try {
        // The server signs the canonical chain, so any spelling the user gives signs the same.
        std::vector<std::string_view> segments; // "a/b" means "a|b", as in a request path
        for (std::string_view rest = target.substr(slash + 1); !rest.empty();) {
            const auto next = rest.find('/');
            if (next != 0) segments.push_back(rest.substr(0, next));
            rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
        }
        const Chain chain = parse_chain(segments, 1 << 20);
        const std::string derived = id + "/" + chain.canonical();
        const std::string sig = TransformSigner(args.key).sign(derived);
        const std::string path = http::encode_id_for_url(derived);
        std::cout << args.base << "/image/" << path << "/?sig=" << sig << "\n"
                  << args.base << "/bytes/" << path << "?sig=" << sig << "\n";
        return 0;
    } catch (const Error& e) {
        std::cerr << "imgpipe sign: " << e.what() << "\n";
        return 2;
    }
}

} // namespace imgpipe::cli
