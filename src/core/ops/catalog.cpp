#include "core/ops/catalog.h"

#include "core/formats/format.h"
#include "core/ops/gravity.h"
#include "core/ops/op.h"

#include <cmath>
#include <string>

namespace imgpipe {

namespace {

using nlohmann::json;

std::string_view kind_name(ArgKind k) {
    switch (k) {
    case ArgKind::integer: return "integer";
    case ArgKind::number: return "number";
    case ArgKind::color: return "color";
    case ArgKind::choice:
    case ArgKind::gravity:
    case ArgKind::format: return "enum";
    }
    return "enum";
}

json gravity_choices() {
    json out = json::array();
    for (const auto& n : gravity_names()) {
        if (gravity_name(n.gravity) == n.name) {
            std::string summary;
            if (n.gravity == Gravity::smart) summary = "by content: libvips attention (edges, skin, saturation)";
            else if (n.gravity == Gravity::entropy) summary = "by content: the most detail";
            out.push_back({{"value", n.name}, {"summary", summary}, {"aliases", json::array()}});
        } else {
            for (auto& c : out) {
                if (c["value"] == gravity_name(n.gravity)) c["aliases"].push_back(n.name);
            }
        }
    }
    return out;
}

json format_choices() {
    json out = json::array();
    for (const auto& f : output_formats()) {
        std::string summary(f.mime);
        if (!f.alpha) summary += ", no alpha";
        if (f.animation) summary += ", animation";
        if (f.lossy) summary += ", lossy (takes quality)";
        json aliases = json::array();
        if (!f.alias.empty()) aliases.push_back(f.alias);
        out.push_back({{"value", f.name}, {"summary", summary}, {"aliases", aliases}});
    }
    out.push_back({{"value", "auto"},
                   {"summary", "from the request's Accept header: AVIF, WebP, else JPEG or PNG"},
                   {"aliases", json::array()}});
    return out;
}

json arg_json(const ArgDoc& a) {
    json out{{"name", a.name},           {"kind", kind_name(a.kind)}, {"summary", a.summary},
             {"example", a.example},     {"optional", a.optional}};
    if (!a.default_value.empty()) out["default"] = a.default_value;
    if (std::isfinite(a.min)) out["min"] = a.min;
    if (std::isfinite(a.max)) out["max"] = a.max;
    if (a.min_exclusive) out["min_exclusive"] = true;
    switch (a.kind) {
    case ArgKind::choice: {
        json choices = json::array();
        for (const auto& c : a.choices) {
            json aliases = json::array();
            for (auto alias : c.aliases) aliases.push_back(alias);
            choices.push_back({{"value", c.value}, {"summary", c.summary}, {"aliases", aliases}});
        }
        out["choices"] = choices;
        break;
    }
    case ArgKind::gravity: out["choices"] = gravity_choices(); break;
    case ArgKind::format: out["choices"] = format_choices(); break;
    default: break;
    }
    return out;
}

template <class T>
json op_json() {
    json names = json::array();
    for (std::string_view n : T::names) names.push_back(n);
    json forms = json::array();
    for (const auto& f : T::doc.forms) {
        json args = json::array();
        for (const auto& a : f.args) args.push_back(arg_json(a));
        forms.push_back({{"syntax", op_syntax(T::names[0], f.pattern)},
                         {"pattern", f.pattern},
                         {"summary", f.summary},
                         {"args", args}});
    }
    json examples = json::array();
    for (const auto& e : T::doc.examples) {
        examples.push_back({{"chain", e.chain}, {"canonical", e.canonical}, {"summary", e.summary}});
    }
    return {{"name", T::names[0]},
            {"aliases", json(names.begin() + 1, names.end())},
            {"summary", T::doc.summary},
            {"forms", forms},
            {"examples", examples}};
}

template <class... Ts>
json all_ops(std::variant<Ts...>*) {
    return json::array({op_json<Ts>()...});
}

} // namespace

std::string op_syntax(std::string_view name, std::string_view pattern) {
    std::string out(name);
    if (pattern.empty()) return out;
    if (pattern.front() == '[') out += "[:" + std::string(pattern.substr(1));
    else out += ":" + std::string(pattern);
    std::string syntax;
    for (char c : out) syntax += c == '{' ? '<' : c == '}' ? '>' : c;
    return syntax;
}

json op_catalog() {
    return all_ops(static_cast<Op*>(nullptr));
}

} // namespace imgpipe
