#include "core/errors.h"
#include "core/formats/format.h"
#include "core/ops/catalog.h"
#include "core/ops/gravity.h"
#include "core/ops/op.h"
#include "core/ops/parse.h"
#include "support/chains.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <variant>

// The catalogue is what GET /ops answers and what the page builds chains from: everything in it is
// checked against the real parser here, the way the page uses it (tests/browser/page_test.mjs
// drives the page itself).

namespace imgpipe {
namespace {

using nlohmann::json;
using test::canon;

template <class... Ts>
std::vector<std::string> op_list_names(std::variant<Ts...>*) {
    return {std::string(Ts::names[0])...};
}

bool parses(const std::string& chain) {
    try {
        parse_chain({chain}, 16);
        return true;
    } catch (const Error&) {
        return false;
    }
}

// A form's pattern with argument values, as the page renders it (web/app.js renderPattern): an
// optional part [...] appears when an argument inside it has a value, and its other arguments then
// take their defaults; "{name}" is the value of that argument.
struct Rendered {
    std::string text;
    bool any = false;
};
Rendered render_part(std::string_view p, size_t& i, const std::map<std::string, std::string>& values,
                     const json& args, bool in_group) {
    Rendered out;
    while (i < p.size()) {
        const char c = p[i++];
        if (c == ']') break;
        if (c == '[') {
            const Rendered inner = render_part(p, i, values, args, true);
            if (inner.any) {
                out.text += inner.text;
                out.any = true;
            }
        } else if (c == '{') {
            const size_t end = p.find('}', i);
            const std::string name(p.substr(i, end - i));
            i = end + 1;
            const auto v = values.find(name);
            if (v != values.end() && !v->second.empty()) {
                out.text += v->second;
                out.any = true;
            } else if (in_group) {
                for (const auto& a : args) {
                    if (a["name"] == name) out.text += a.value("default", "");
                }
            }
        } else {
            out.text += c;
        }
    }
    return out;
}
std::string render(const std::string& op, const json& form, const std::map<std::string, std::string>& values) {
    const std::string pattern = form["pattern"];
    size_t i = 0;
    const std::string args = render_part(pattern, i, values, form["args"], false).text;
    return args.empty() ? op : op + ":" + args;
}

std::map<std::string, std::string> examples_of(const json& form) {
    std::map<std::string, std::string> values;
    for (const auto& a : form["args"]) values[a["name"]] = a["example"];
    return values;
}

std::string number_text(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

TEST(OpCatalog, HasEveryOpOfTheOpListOnceInItsOrder) {
    const json cat = op_catalog();
    const auto expected = op_list_names(static_cast<Op*>(nullptr));
    ASSERT_EQ(cat.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(cat[i]["name"], expected[i]);
        EXPECT_TRUE(is_op_name(expected[i]));
        for (const auto& alias : cat[i]["aliases"]) EXPECT_TRUE(is_op_name(alias.get<std::string>())) << alias;
        EXPECT_FALSE(cat[i]["summary"].get<std::string>().empty()) << expected[i];
        EXPECT_FALSE(cat[i]["forms"].empty()) << expected[i];
        EXPECT_FALSE(cat[i]["examples"].empty()) << expected[i];
    }
    // It serialises (no infinite bounds: they are left out).
    EXPECT_NO_THROW(static_cast<void>(cat.dump()));
}

TEST(OpCatalog, EveryExampleParsesToTheCanonicalFormItStates) {
    int count = 0;
    for (const auto& op : op_catalog()) {
        for (const auto& e : op["examples"]) {
            const std::string chain = e["chain"], canonical = e["canonical"];
            EXPECT_EQ(canon(chain), canonical) << op["name"];
            EXPECT_EQ(canon(canonical), canonical) << "canonical forms are fixed points";
            bool uses_op = chain.find(op["name"].get<std::string>()) != std::string::npos;
            for (const auto& alias : op["aliases"]) uses_op = uses_op || chain.find(alias.get<std::string>()) != std::string::npos;
            EXPECT_TRUE(uses_op) << chain << " is an example of " << op["name"] << " and does not use it";
            ++count;
        }
    }
    EXPECT_GE(count, 25);
}

TEST(OpCatalog, PatternsAndArgumentsAgree) {
    for (const auto& op : op_catalog()) {
        for (const auto& form : op["forms"]) {
            const std::string pattern = form["pattern"];
            std::set<std::string> in_pattern, optional_in_pattern;
            int depth = 0;
            for (size_t i = 0; i < pattern.size(); ++i) {
                if (pattern[i] == '[') ++depth;
                if (pattern[i] == ']') --depth;
                ASSERT_GE(depth, 0) << pattern;
                if (pattern[i] == '{') {
                    const size_t end = pattern.find('}', i);
                    ASSERT_NE(end, std::string::npos) << pattern;
                    const std::string name = pattern.substr(i + 1, end - i - 1);
                    EXPECT_TRUE(in_pattern.insert(name).second) << "twice in " << pattern;
                    if (depth > 0) optional_in_pattern.insert(name);
                }
            }
            EXPECT_EQ(depth, 0) << pattern;
            std::set<std::string> declared;
            for (const auto& a : form["args"]) {
                const std::string name = a["name"];
                declared.insert(name);
                // An argument in an optional part is optional and says what leaving it out means.
                EXPECT_EQ(a["optional"].get<bool>(), optional_in_pattern.count(name) == 1) << op["name"] << " " << name;
                if (a["optional"].get<bool>()) {
                    EXPECT_TRUE(a.contains("default")) << op["name"] << " " << name;
                }
                if (a["kind"] == "enum") {
                    EXPECT_FALSE(a["choices"].empty()) << name;
                }
                EXPECT_FALSE(a["summary"].get<std::string>().empty()) << name;
            }
            EXPECT_EQ(in_pattern, declared) << op["name"] << " " << pattern;
            EXPECT_EQ(form["syntax"].get<std::string>().rfind(op["name"].get<std::string>(), 0), 0u);
        }
    }
    EXPECT_EQ(op_syntax("fit", "{width}x{height}[:{mode}[:{gravity}]]"), "fit:<width>x<height>[:<mode>[:<gravity>]]");
    EXPECT_EQ(op_syntax("sharpen", "[{sigma}]"), "sharpen[:<sigma>]");
    EXPECT_EQ(op_syntax("grayscale", ""), "grayscale");
}

// Every form, rendered from its example values as the page does, with and without its optional
// arguments, is a chain the service takes, and names its own op.
TEST(OpCatalog, EveryFormRendersToAChainThatParses) {
    for (const auto& op : op_catalog()) {
        const std::string name = op["name"];
        for (const auto& form : op["forms"]) {
            const auto values = examples_of(form);
            const std::string full = render(name, form, values);
            ASSERT_TRUE(parses(full)) << full;
            EXPECT_EQ(canon(full).rfind(name, 0), 0u) << full;
            auto required = values;
            for (const auto& a : form["args"]) {
                if (a["optional"].get<bool>()) required[a["name"]] = "";
            }
            const std::string bare = render(name, form, required);
            EXPECT_TRUE(parses(bare)) << bare;
            // An omitted optional argument means its default.
            for (const auto& a : form["args"]) {
                if (!a["optional"].get<bool>()) continue;
                auto with_default = required;
                with_default[a["name"]] = a["default"];
                EXPECT_EQ(canon(render(name, form, with_default)), canon(bare)) << name << " " << a["name"];
            }
        }
    }
}

// Each choice and each of its aliases is taken, an alias meaning its choice; numeric bounds are
// where the parser puts them.
TEST(OpCatalog, ChoicesAndBoundsAreThoseOfTheParser) {
    int checked = 0;
    for (const auto& op : op_catalog()) {
        const std::string name = op["name"];
        for (const auto& form : op["forms"]) {
            for (const auto& a : form["args"]) {
                auto values = examples_of(form);
                const std::string arg = a["name"];
                auto with = [&](const std::string& v) {
                    values[arg] = v;
                    return render(name, form, values);
                };
                if (a["kind"] == "enum") {
                    for (const auto& c : a["choices"]) {
                        const std::string chain = with(c["value"]);
                        ASSERT_TRUE(parses(chain)) << chain;
                        for (const auto& alias : c["aliases"]) {
                            EXPECT_EQ(canon(with(alias)), canon(chain)) << alias;
                            ++checked;
                        }
                        ++checked;
                    }
                    EXPECT_FALSE(parses(with("nonsense"))) << name << " " << arg;
                }
                if (a["kind"] == "integer" || a["kind"] == "number") {
                    EXPECT_TRUE(parses(with(a["example"]))) << name << " " << arg;
                    const double step = a["kind"] == "integer" ? 1 : 0.5;
                    if (a.contains("min")) {
                        const double min = a["min"];
                        EXPECT_EQ(parses(with(number_text(min))), !a.value("min_exclusive", false)) << name << " " << arg;
                        EXPECT_FALSE(parses(with(number_text(min - step)))) << name << " " << arg;
                    }
                    if (a.contains("max")) {
                        const double max = a["max"];
                        EXPECT_TRUE(parses(with(number_text(max)))) << name << " " << arg;
                        EXPECT_FALSE(parses(with(number_text(max + step)))) << name << " " << arg;
                    }
                    if (a["kind"] == "integer") {
                        EXPECT_FALSE(parses(with("1.5"))) << name << " " << arg;
                    }
                    ++checked;
                }
                if (a["kind"] == "color") {
                    for (const char* c : {"f80", "f80c", "ff8800", "ff8800cc"}) EXPECT_TRUE(parses(with(c))) << c;
                    EXPECT_FALSE(parses(with("ff880"))) << "5 digits";
                    ++checked;
                }
            }
        }
    }
    EXPECT_GE(checked, 60);
}

// Gravities and formats are listed from the parser's tables: none is missing.
TEST(OpCatalog, ListsEveryGravityAndFormat) {
    const json cat = op_catalog();
    std::set<std::string> gravities, formats;
    for (const auto& op : cat) {
        for (const auto& form : op["forms"]) {
            for (const auto& a : form["args"]) {
                if (!a.contains("choices")) continue;
                for (const auto& c : a["choices"]) {
                    auto& set = op["name"] == "convert" ? formats : gravities;
                    if (a["name"] == "gravity" || op["name"] == "convert") {
                        set.insert(c["value"].get<std::string>());
                        for (const auto& alias : c["aliases"]) set.insert(alias.get<std::string>());
                    }
                }
            }
        }
    }
    for (const auto& n : gravity_names()) EXPECT_EQ(gravities.count(std::string(n.name)), 1u) << n.name;
    EXPECT_EQ(gravities.size(), gravity_names().size());
    for (const auto& f : output_formats()) EXPECT_EQ(formats.count(std::string(f.name)), 1u) << f.name;
    EXPECT_EQ(formats.count("auto"), 1u);
}

} // namespace
} // namespace imgpipe
