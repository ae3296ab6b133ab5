#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::test {

// Builds DNS messages in wire format for tests: a header, one question, answer records.
class DnsWire {
  public:
    static constexpr std::uint16_t kA = 1;
    static constexpr std::uint16_t kCname = 5;
    static constexpr std::uint16_t kAaaa = 28;
    static constexpr std::uint16_t kTxt = 16;

    explicit DnsWire(std::string_view question, std::uint16_t flags = 0x8180) {
        put16(0x1234);
        put16(flags);
        put16(1);  // QDCOUNT
        put16(0);  // ANCOUNT, counted by the record adders
        put16(0);
        put16(0);
        question_offset_ = static_cast<std::uint16_t>(bytes_.size());
        put_name(question);
        put16(kA);
        put16(1);
    }

    // Offset of the question name, for compression pointers.
    [[nodiscard]] std::uint16_t question_offset() const { return question_offset_; }
    [[nodiscard]] std::size_t size() const { return bytes_.size(); }

    void put_name(std::string_view name) {
        while (!name.empty()) {
            const auto dot = name.find('.');
            const auto label = name.substr(0, dot);
            bytes_.push_back(static_cast<std::uint8_t>(label.size()));
            bytes_.insert(bytes_.end(), label.begin(), label.end());
            name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
        }
        bytes_.push_back(0);
    }
    void put_pointer(std::uint16_t offset) { put16(static_cast<std::uint16_t>(0xC000 | offset)); }
    void put16(std::uint16_t value) {
        bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(value));
    }
    void put32(std::uint32_t value) {
        put16(static_cast<std::uint16_t>(value >> 16));
        put16(static_cast<std::uint16_t>(value));
    }
    void put_bytes(const std::vector<std::uint8_t>& data) {
        bytes_.insert(bytes_.end(), data.begin(), data.end());
    }

    // The record's owner name must have been written with put_name or put_pointer first.
    void record(std::uint16_t type, std::uint32_t ttl, const std::vector<std::uint8_t>& data,
                std::uint16_t record_class = 1) {
        put16(type);
        put16(record_class);
        put32(ttl);
        put16(static_cast<std::uint16_t>(data.size()));
        put_bytes(data);
        count_answer();
    }
    void a(std::string_view owner, std::uint32_t ttl, std::vector<std::uint8_t> address) {
        put_name(owner);
        record(kA, ttl, address);
    }
    void aaaa(std::string_view owner, std::uint32_t ttl, std::vector<std::uint8_t> address) {
        put_name(owner);
        record(kAaaa, ttl, address);
    }
    void cname(std::string_view owner, std::uint32_t ttl, std::string_view target) {
        put_name(owner);
        DnsWire target_name_only;
        target_name_only.put_name(target);
        record(kCname, ttl, target_name_only.bytes_);
    }
    void count_answer() {
        const auto count = static_cast<std::uint16_t>(((bytes_[6] << 8) | bytes_[7]) + 1);
        bytes_[6] = static_cast<std::uint8_t>(count >> 8);
        bytes_[7] = static_cast<std::uint8_t>(count);
    }
    void set_answer_count(std::uint16_t count) {
        bytes_[6] = static_cast<std::uint8_t>(count >> 8);
        bytes_[7] = static_cast<std::uint8_t>(count);
    }

    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }
    std::vector<std::uint8_t>& mutable_bytes() { return bytes_; }

  private:
    DnsWire() = default;
    std::vector<std::uint8_t> bytes_;
    std::uint16_t question_offset_ = 0;
};

}  // namespace sluice::test
