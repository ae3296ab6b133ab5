// Rule dicts as clients send them over D-Bus (a{sv}) -> RuleDraft -> YAML -> rule parser, and
// back out through dict_from_rule. Input bytes are a list of records:
//   key:   one byte; below the number of rule fields it picks that field's name, otherwise
//          (byte & 0x1f) raw key bytes follow
//   type:  one byte (mod 8): 0 string, 1 int64, 2 bool, 3 string array, 4 uint32 array,
//          5 double, 6 string inside a variant, 7 uint64
//   value: strings are a length byte and that many bytes; numbers are 8 (or 4) bytes
// A rule that builds must survive the round trip through its own dict unchanged.
#include <sdbus-c++/Error.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dbus/rule_dict.hpp"
#include "rules/rule_fields.hpp"

namespace {

class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
    bool empty() const { return at_ >= bytes_.size(); }
    std::uint8_t byte() { return empty() ? 0 : bytes_[at_++]; }
    std::string text(std::size_t length) {
        length = std::min(length, bytes_.size() - std::min(at_, bytes_.size()));
        std::string out(reinterpret_cast<const char*>(bytes_.data() + at_), length);
        at_ += length;
        return out;
    }
    template <typename T>
    T number() {
        T value{};
        const auto raw = text(sizeof(T));
        std::memcpy(&value, raw.data(), raw.size());
        return value;
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t at_ = 0;
};

sdbus::Variant value_from(Reader& in) {
    switch (in.byte() % 8) {
        case 0:
            return sdbus::Variant(in.text(in.byte()));
        case 1:
            return sdbus::Variant(in.number<std::int64_t>());
        case 2:
            return sdbus::Variant((in.byte() & 1) != 0);
        case 3: {
            std::vector<std::string> items(in.byte() % 8);
            for (auto& item : items) {
                item = in.text(in.byte());
            }
            return sdbus::Variant(items);
        }
        case 4: {
            std::vector<std::uint32_t> items(in.byte() % 8);
            for (auto& item : items) {
                item = in.number<std::uint32_t>();
            }
            return sdbus::Variant(items);
        }
        case 5:
            return sdbus::Variant(static_cast<double>(in.number<std::int32_t>()));
        case 6:
            return sdbus::Variant(sdbus::Variant(in.text(in.byte())));
        default:
            return sdbus::Variant(in.number<std::uint64_t>());
    }
}

std::optional<std::string> no_list_files(const std::string&, std::string& error) {
    error = "list files are not read while fuzzing";
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sluice;
    Reader in({data, size});
    VariantDict dict;
    const auto fields = rule_fields();
    while (!in.empty() && dict.size() < 64) {
        const std::uint8_t key_byte = in.byte();
        std::string key = key_byte < fields.size() ? std::string(fields[key_byte].name)
                                                   : in.text(key_byte & 0x1f);
        try {
            dict.insert_or_assign(std::move(key), value_from(in));
        } catch (const sdbus::Error&) {
            // sd-bus refuses strings that are not UTF-8; a client could not send them either.
        }
    }
    auto draft = draft_from_dict(dict);
    if (!draft) {
        return 0;
    }
    auto rule = build_rule(*draft, no_list_files);
    if (!rule) {
        return 0;
    }
    auto again = draft_from_dict(dict_from_rule(*rule, RuleFacts{"state", 1}));
    if (!again) {
        std::abort();
    }
    auto rebuilt = build_rule(*again, no_list_files);
    if (!rebuilt || !same_definition(*rule, *rebuilt)) {
        std::abort();
    }
    return 0;
}
