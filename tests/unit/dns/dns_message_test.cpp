#include "daemon/attribution/dns_message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/dns/dns_wire.hpp"

namespace sluice {
namespace {

using test::DnsWire;

const IpAddress kServer = *IpAddress::parse("10.77.0.2");

std::vector<DnsAddressAnswer> parse_ok(const std::vector<std::uint8_t>& bytes) {
    DnsParseError error{};
    auto answers = parse_dns_response(bytes, &error);
    EXPECT_TRUE(answers.has_value()) << to_string(error);
    return answers.value_or(std::vector<DnsAddressAnswer>{});
}

DnsParseError parse_error(const std::vector<std::uint8_t>& bytes) {
    DnsParseError error{};
    EXPECT_FALSE(parse_dns_response(bytes, &error).has_value());
    return error;
}

TEST(DnsMessage, CnameChainGivesTheAddressEveryNameOnTheWay) {
    DnsWire wire("app.test");
    wire.cname("app.test", 300, "web.test");
    wire.a("web.test", 60, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, kServer);
    EXPECT_EQ(answers[0].names, (std::vector<std::string>{"app.test", "web.test"}));
    EXPECT_EQ(answers[0].ttl_seconds, 60u);
}

TEST(DnsMessage, TtlIsTheSmallestAlongTheChain) {
    DnsWire wire("app.test");
    wire.cname("app.test", 30, "mid.test");
    wire.cname("mid.test", 600, "web.test");
    wire.a("web.test", 900, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].names, (std::vector<std::string>{"app.test", "mid.test", "web.test"}));
    EXPECT_EQ(answers[0].ttl_seconds, 30u);
}

TEST(DnsMessage, CompressedNamesAreFollowedAndLowerCased) {
    DnsWire wire("App.TEST");
    // Owner "app.test" as a pointer to the question; the CNAME target "www" + pointer.
    wire.put_pointer(wire.question_offset());
    const auto cname_data_offset = static_cast<std::uint16_t>(wire.size() + 10);
    wire.record(DnsWire::kCname, 100,
                {3, 'W', 'w', 'W', 0xC0, static_cast<std::uint8_t>(wire.question_offset())});
    wire.put_pointer(cname_data_offset);
    wire.record(DnsWire::kA, 100, {192, 0, 2, 1});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, *IpAddress::parse("192.0.2.1"));
    EXPECT_EQ(answers[0].names, (std::vector<std::string>{"app.test", "www.app.test"}));
}

TEST(DnsMessage, AaaaRecordsGiveIpv6Addresses) {
    DnsWire wire("web.test");
    wire.aaaa("web.test", 120, {0xfd, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
    wire.a("web.test", 120, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].address, *IpAddress::parse("fd77::2"));
    EXPECT_EQ(answers[1].address, kServer);
    EXPECT_EQ(answers[0].names, std::vector<std::string>{"web.test"});
}

TEST(DnsMessage, AddressesForNamesNobodyAskedAboutAreIgnored) {
    DnsWire wire("evil.test");
    wire.a("bank.test", 300, {192, 0, 2, 66});
    wire.a("evil.test", 300, {192, 0, 2, 7});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].names, std::vector<std::string>{"evil.test"});
    EXPECT_EQ(answers[0].address, *IpAddress::parse("192.0.2.7"));
}

TEST(DnsMessage, CnameLoopEndsTheChain) {
    DnsWire wire("a.test");
    wire.cname("a.test", 300, "b.test");
    wire.cname("b.test", 300, "a.test");
    wire.a("b.test", 300, {192, 0, 2, 9});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].names, (std::vector<std::string>{"a.test", "b.test"}));
}

TEST(DnsMessage, TtlWithTheTopBitSetReadsAsZero) {
    DnsWire wire("web.test");
    wire.a("web.test", 0x80000001u, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].ttl_seconds, 0u);
}

TEST(DnsMessage, RecordsOfOtherTypesClassesAndSizesAreSkipped) {
    DnsWire wire("web.test");
    wire.put_name("web.test");
    wire.record(DnsWire::kTxt, 60, {3, 'a', 'b', 'c'});
    wire.put_name("web.test");
    wire.record(DnsWire::kA, 60, {10, 77, 0, 3}, /*record_class=*/3);  // CHAOS
    wire.put_name("web.test");
    wire.record(DnsWire::kA, 60, {10, 77, 0, 4, 5});  // wrong length for A
    wire.a("web.test", 60, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, kServer);
}

TEST(DnsMessage, RecordsCutShortKeepWhatCameBefore) {
    DnsWire wire("web.test");
    wire.a("web.test", 60, {10, 77, 0, 2});
    const std::size_t first_end = wire.size();
    wire.a("web.test", 60, {10, 77, 0, 3});
    auto bytes = wire.bytes();
    bytes.resize(first_end + 12);  // into the second record's fixed fields
    const auto answers = parse_ok(bytes);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, kServer);
}

TEST(DnsMessage, AnswerCountBeyondTheRecordsIsTolerated) {
    DnsWire wire("web.test");
    wire.a("web.test", 60, {10, 77, 0, 2});
    wire.set_answer_count(0xFFFF);
    EXPECT_EQ(parse_ok(wire.bytes()).size(), 1u);
}

TEST(DnsMessage, NamesThatAreNotHostNamesAreSkipped) {
    DnsWire wire("web.test");
    // One label "we.b" (a dot inside a label) must not read as the two labels of "we.b".
    wire.put_bytes({4, 'w', 'e', '.', 'b', 0});
    wire.record(DnsWire::kA, 60, {192, 0, 2, 1});
    wire.a("web.test", 60, {10, 77, 0, 2});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, kServer);
}

TEST(DnsMessage, AQueryIsNotAResponse) {
    DnsWire wire("web.test", /*flags=*/0x0100);
    EXPECT_EQ(parse_error(wire.bytes()), DnsParseError::kNotResponse);
}

TEST(DnsMessage, OtherOpcodesAreNotStandardResponses) {
    DnsWire wire("web.test", /*flags=*/0x8000 | (5 << 11));  // UPDATE
    EXPECT_EQ(parse_error(wire.bytes()), DnsParseError::kNotResponse);
}

TEST(DnsMessage, FewerBytesThanAHeaderAreRefused) {
    EXPECT_EQ(parse_error({0x12, 0x34, 0x81, 0x80}), DnsParseError::kTooShort);
    EXPECT_EQ(to_string(DnsParseError::kTooShort), "shorter than a DNS header");
}

TEST(DnsMessage, QuestionCountOtherThanOneIsRefused) {
    DnsWire wire("web.test");
    wire.mutable_bytes()[5] = 2;
    EXPECT_EQ(parse_error(wire.bytes()), DnsParseError::kNoQuestion);
}

TEST(DnsMessage, APointerToItselfIsRefused) {
    std::vector<std::uint8_t> bytes = {0x12, 0x34, 0x81, 0x80, 0,  1, 0, 1, 0,
                                       0,    0,    0,    0xC0, 12, 0, 1, 0, 1};
    EXPECT_EQ(parse_error(bytes), DnsParseError::kBadQuestion);
}

TEST(DnsMessage, AForwardPointerIsRefused) {
    std::vector<std::uint8_t> bytes = {0x12, 0x34, 0x81, 0x80, 0,   1, 0, 0, 0, 0, 0,
                                       0,    0xC0, 14,   1,    'a', 0, 0, 1, 0, 1};
    EXPECT_EQ(parse_error(bytes), DnsParseError::kBadQuestion);
}

TEST(DnsMessage, PointerLoopInAnAnswerEndsTheAnswers) {
    DnsWire wire("web.test");
    wire.a("web.test", 60, {10, 77, 0, 2});
    // Owner: label "x" then a pointer back to that same label.
    const auto self = static_cast<std::uint16_t>(wire.size());
    wire.put_bytes({1, 'x'});
    wire.put_pointer(self);
    wire.record(DnsWire::kA, 60, {10, 77, 0, 3});
    const auto answers = parse_ok(wire.bytes());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].address, kServer);
}

TEST(DnsMessage, NameLongerThan253CharactersIsRefused) {
    std::string long_name;
    for (int i = 0; i < 5; ++i) {
        long_name += std::string(60, 'a') + ".";
    }
    long_name += "test";
    DnsWire wire(long_name);
    EXPECT_EQ(parse_error(wire.bytes()), DnsParseError::kBadQuestion);
}

TEST(DnsMessage, TheRootNameIsNotAHostName) {
    DnsWire wire("");
    EXPECT_EQ(parse_error(wire.bytes()), DnsParseError::kBadQuestion);
}

}  // namespace
}  // namespace sluice
