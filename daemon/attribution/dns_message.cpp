#include "daemon/attribution/dns_message.hpp"

#include <algorithm>

namespace sluice {

namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kRecordFixedBytes = 10;  // type, class, ttl, rdlength
constexpr std::size_t kMaxNameText = 253;      // RFC 1035 255 octets on the wire
constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypeAaaa = 28;
constexpr std::uint16_t kClassIn = 1;

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes, std::size_t offset) {
    return (static_cast<std::uint32_t>(bytes[offset]) << 24) |
           (static_cast<std::uint32_t>(bytes[offset + 1]) << 16) |
           (static_cast<std::uint32_t>(bytes[offset + 2]) << 8) | bytes[offset + 3];
}

struct NameRead {
    std::string name;       // lower case, labels joined by '.'
    bool host_name = true;  // every byte a letter, digit, '-' or '_', and not the root
    std::size_t end = 0;    // offset just past the name where it was written (not where a
                            // compression pointer led)
};

bool is_host_name_byte(std::uint8_t byte) {
    return (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
           byte == '_';
}

// Reads a possibly compressed name. Each pointer must lead strictly before the label sequence
// that holds it, so the walk always terminates, in at most message-size steps.
std::optional<NameRead> read_name(std::span<const std::uint8_t> message, std::size_t offset) {
    NameRead read;
    std::optional<std::size_t> end;
    std::size_t sequence_start = offset;
    std::size_t position = offset;
    while (true) {
        if (position >= message.size()) {
            return std::nullopt;
        }
        const std::uint8_t length = message[position];
        if ((length & 0xC0) == 0xC0) {
            if (position + 1 >= message.size()) {
                return std::nullopt;
            }
            const std::size_t target =
                static_cast<std::size_t>((length & 0x3F) << 8) | message[position + 1];
            if (!end) {
                end = position + 2;
            }
            if (target >= sequence_start) {
                return std::nullopt;
            }
            sequence_start = target;
            position = target;
            continue;
        }
        if ((length & 0xC0) != 0) {
            return std::nullopt;  // RFC 6891 deprecated the other label types
        }
        if (length == 0) {
            if (!end) {
                end = position + 1;
            }
            break;
        }
        if (position + 1 + length > message.size()) {
            return std::nullopt;
        }
        if (read.name.size() + length + (read.name.empty() ? 0 : 1) > kMaxNameText) {
            return std::nullopt;
        }
        if (!read.name.empty()) {
            read.name += '.';
        }
        for (std::size_t i = 0; i < length; ++i) {
            std::uint8_t byte = message[position + 1 + i];
            if (byte >= 'A' && byte <= 'Z') {
                byte = static_cast<std::uint8_t>(byte - 'A' + 'a');
            }
            read.host_name = read.host_name && is_host_name_byte(byte);
            read.name += static_cast<char>(byte);
        }
        position += 1 + length;
    }
    read.host_name = read.host_name && !read.name.empty();
    read.end = *end;
    return read;
}

struct CnameRecord {
    std::string owner;
    std::string target;
    std::uint32_t ttl = 0;
};

struct AddressRecord {
    std::string owner;
    IpAddress address;
    std::uint32_t ttl = 0;
};

struct AnswerSection {
    std::vector<CnameRecord> cnames;
    std::vector<AddressRecord> addresses;
};

// Reads answer records until `count` or the first record that does not fit: what was read
// before a cut stays usable.
AnswerSection read_answers(std::span<const std::uint8_t> message, std::size_t position,
                           std::size_t count) {
    AnswerSection section;
    for (std::size_t i = 0; i < count; ++i) {
        const auto owner = read_name(message, position);
        if (!owner || owner->end + kRecordFixedBytes > message.size()) {
            break;
        }
        const std::size_t fixed = owner->end;
        const std::uint16_t type = read_u16(message, fixed);
        const std::uint16_t record_class = read_u16(message, fixed + 2);
        std::uint32_t ttl = read_u32(message, fixed + 4);
        const std::size_t data_length = read_u16(message, fixed + 8);
        const std::size_t data = fixed + kRecordFixedBytes;
        if (data + data_length > message.size()) {
            break;
        }
        position = data + data_length;
        // RFC 2181 section 8: a TTL with the top bit set is to be read as zero.
        if ((ttl & 0x80000000u) != 0) {
            ttl = 0;
        }
        if ((record_class & 0x7FFF) != kClassIn || !owner->host_name) {
            continue;
        }
        if (type == kTypeA && data_length == 4) {
            const std::uint8_t octets[4] = {message[data], message[data + 1], message[data + 2],
                                            message[data + 3]};
            section.addresses.push_back({owner->name, IpAddress::from_v4(octets), ttl});
        } else if (type == kTypeAaaa && data_length == 16) {
            IpAddress::Bytes bytes{};
            std::copy_n(message.begin() + static_cast<std::ptrdiff_t>(data), bytes.size(),
                        bytes.begin());
            section.addresses.push_back({owner->name, IpAddress::from_v6(bytes), ttl});
        } else if (type == kTypeCname) {
            const auto target = read_name(message, data);
            if (target && target->host_name && target->end <= data + data_length) {
                section.cnames.push_back({owner->name, target->name, ttl});
            }
        }
    }
    return section;
}

}  // namespace

std::string_view to_string(DnsParseError error) {
    switch (error) {
        case DnsParseError::kTooShort:
            return "shorter than a DNS header";
        case DnsParseError::kNotResponse:
            return "not a response to a standard query";
        case DnsParseError::kNoQuestion:
            return "question count is not 1";
        case DnsParseError::kBadQuestion:
            return "malformed question";
    }
    return "?";
}

std::optional<std::vector<DnsAddressAnswer>> parse_dns_response(
    std::span<const std::uint8_t> message, DnsParseError* why) {
    const auto fail = [why](DnsParseError error) {
        if (why != nullptr) {
            *why = error;
        }
        return std::nullopt;
    };
    if (message.size() < kHeaderBytes) {
        return fail(DnsParseError::kTooShort);
    }
    const std::uint16_t flags = read_u16(message, 2);
    const bool response = (flags & 0x8000) != 0;
    const unsigned opcode = (flags >> 11) & 0xF;
    if (!response || opcode != 0) {
        return fail(DnsParseError::kNotResponse);
    }
    if (read_u16(message, 4) != 1) {
        return fail(DnsParseError::kNoQuestion);
    }
    const auto question = read_name(message, kHeaderBytes);
    if (!question || !question->host_name || question->end + 4 > message.size()) {
        return fail(DnsParseError::kBadQuestion);
    }
    const std::size_t answer_count =
        std::min<std::size_t>(read_u16(message, 6), kMaxDnsAnswerRecords);
    const AnswerSection section = read_answers(message, question->end + 4, answer_count);

    // The chain of names from the question through CNAMEs, with the smallest TTL so far.
    std::vector<std::string> chain{question->name};
    std::vector<std::uint32_t> chain_ttl{0xFFFFFFFFu};
    while (chain.size() <= kMaxDnsCnameChain) {
        const auto next =
            std::find_if(section.cnames.begin(), section.cnames.end(),
                         [&](const CnameRecord& c) { return c.owner == chain.back(); });
        if (next == section.cnames.end() ||
            std::find(chain.begin(), chain.end(), next->target) != chain.end()) {
            break;
        }
        chain_ttl.push_back(std::min(chain_ttl.back(), next->ttl));
        chain.push_back(next->target);
    }

    std::vector<DnsAddressAnswer> answers;
    for (const auto& record : section.addresses) {
        const auto link = std::find(chain.begin(), chain.end(), record.owner);
        if (link == chain.end()) {
            continue;
        }
        const auto depth = static_cast<std::size_t>(link - chain.begin());
        DnsAddressAnswer answer;
        answer.address = record.address;
        answer.names.assign(chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(depth) + 1);
        answer.ttl_seconds = std::min(chain_ttl[depth], record.ttl);
        answers.push_back(std::move(answer));
    }
    return answers;
}

}  // namespace sluice
