// web/openapi.json, as the binary serves it (embedded at build time), against the code: every route
// of the route table with its methods, every ErrorCode with the status status_of() gives it, and
// every op name. The description is written by hand; these checks make a route, error code or op
// it does not mention fail here instead of going unnoticed.
// (Its syntax and examples are checked by `redocly lint`, the answers of the end-to-end suites by
// tests/openapi/check_answers.mjs.)
#include "core/errors.h"
#include "core/ops/op.h"
#include "http/assets.h"
#include "http/error_response.h"
#include "http/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace imgpipe::http {
namespace {

using nlohmann::json;

const json& spec() {
    static const json doc = [] {
        const Asset* file = find_asset("openapi.json");
        if (!file) throw std::runtime_error("openapi.json is not among the embedded assets");
        return json::parse(file->bytes);
    }();
    return doc;
}

// Follows "$ref": "#/components/..." (the only kind the description uses).
const json& resolve(const json& node) {
    if (!node.contains("$ref")) return node;
    return resolve(spec().at(json::json_pointer(node.at("$ref").get<std::string>().substr(1))));
}

std::vector<ErrorCode> all_codes() {
    std::vector<ErrorCode> codes;
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) codes.push_back(static_cast<ErrorCode>(c));
    return codes;
}

// The codes an error response allows (its schema narrows error.code to them).
std::set<std::string> codes_of(const json& response) {
    const json& r = resolve(response);
    std::set<std::string> out;
    if (!r.contains("content") || !r["content"].contains("application/json")) return out;
    const json& schema = resolve(r["content"]["application/json"]["schema"]);
    const json::json_pointer code("/properties/error/properties/code/enum");
    if (schema.contains(code)) {
        for (const auto& c : schema[code]) out.insert(c.get<std::string>());
    }
    return out;
}

// "GET, HEAD" -> {"get", "head"}
std::set<std::string> methods_of(std::string_view allowed) {
    std::set<std::string> out;
    for (std::string_view rest = allowed; !rest.empty();) {
        const auto comma = rest.find(", ");
        std::string m(rest.substr(0, comma));
        std::transform(m.begin(), m.end(), m.begin(), ::tolower);
        out.insert(m);
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 2);
    }
    return out;
}

const std::set<std::string> kMethods{"get", "head", "post", "put", "patch", "delete", "options", "trace"};

TEST(OpenApi, DescribesEveryRouteWithItsMethodsAndNothingElse) {
    const json& paths = spec()["paths"];
    // A path may have several routes (one per method set): the document has them all under it.
    std::map<std::string, std::set<std::string>> table;
    for (const RouteSpec& r : routes()) table[std::string(r.pattern)].merge(methods_of(r.methods));
    for (auto& [pattern, methods] : table) {
        ASSERT_TRUE(paths.contains(pattern)) << pattern << " is not in openapi.json";
        std::set<std::string> documented;
        for (const auto& [key, op] : paths[pattern].items()) {
            if (kMethods.count(key)) documented.insert(key);
        }
        // OPTIONS is the session's on every path (with --cors-origins; http/cors.h), not the table's.
        methods.insert("options");
        EXPECT_EQ(documented, methods) << pattern;
        // Its path parameters are the pattern's, and the router's greedy {chain} is marked so.
        for (const auto& p : paths[pattern].value("parameters", json::array())) {
            const json& param = resolve(p);
            if (param["in"] != "path") continue;
            const std::string name = param["name"];
            EXPECT_NE(pattern.find("{" + name + "}"), std::string::npos) << pattern << " " << name;
            EXPECT_EQ(param.value("x-imgpipe-greedy", false), name == "chain") << pattern << " " << name;
        }
    }
    for (const auto& [path, item] : paths.items()) {
        EXPECT_TRUE(table.count(path)) << path << " is in openapi.json but no route of the table";
    }
}

TEST(OpenApi, EveryErrorCodeIsInTheCodeEnumAndNothingElse) {
    std::set<std::string> documented;
    for (const auto& c : spec()["components"]["schemas"]["ErrorCode"]["enum"]) documented.insert(c.get<std::string>());
    std::set<std::string> names;
    for (ErrorCode c : all_codes()) names.insert(std::string(error_code_name(c)));
    EXPECT_EQ(documented, names);
}

TEST(OpenApi, EveryErrorCodeIsAnsweredWithTheStatusStatusOfGives) {
    // Where each code appears: the statuses under which an operation lists a response allowing it.
    std::map<std::string, std::set<int>> statuses;
    for (const auto& [path, item] : spec()["paths"].items()) {
        for (const auto& [method, op] : item.items()) {
            if (!op.is_object() || !op.contains("responses")) continue;
            for (const auto& [status, response] : op["responses"].items()) {
                for (const auto& code : codes_of(response)) statuses[code].insert(std::stoi(status));
            }
        }
    }
    // 405 is every path's answer to a method it does not list, which OpenAPI cannot attach to an
    // operation: its response lives in components only (the description says so).
    for (const auto& code : codes_of(spec()["components"]["responses"]["MethodNotAllowed"])) {
        statuses[code].insert(405);
    }
    for (ErrorCode c : all_codes()) {
        const std::string name(error_code_name(c));
        const int status = static_cast<int>(status_of(c));
        EXPECT_EQ(statuses[name], std::set<int>{status})
            << name << ": status_of gives " << status << "; the description answers it with other statuses or none";
    }
}

TEST(OpenApi, EveryErrorResponseNarrowsTheCodesToItsStatus) {
    for (const auto& [name, response] : spec()["components"]["responses"].items()) {
        const auto codes = codes_of(response);
        EXPECT_FALSE(codes.empty()) << name;
        std::set<int> statuses;
        for (const auto& code : codes) statuses.insert(static_cast<int>(status_of(error_code_from_name(code))));
        EXPECT_EQ(statuses.size(), 1u) << name << " allows codes of several statuses";
    }
}

// Every op's names (aliases included) appear, as `name`, in the grammar of the description.
template <class... Ts>
std::vector<std::string_view> op_names(std::variant<Ts...>*) {
    std::vector<std::string_view> out;
    (out.insert(out.end(), std::begin(Ts::names), std::end(Ts::names)), ...);
    return out;
}

TEST(OpenApi, TheGrammarNamesEveryOp) {
    const std::string description = spec()["info"]["description"];
    for (std::string_view name : op_names(static_cast<Op*>(nullptr))) {
        EXPECT_NE(description.find("`" + std::string(name)), std::string::npos) << name;
    }
}

} // namespace
} // namespace imgpipe::http
