#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "daemon/attribution/hex_text.hpp"
#include "daemon/attribution/md5.hpp"
#include "daemon/attribution/sha256.hpp"

namespace sluice {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string sha256_hex(std::string_view text) {
    Sha256 hash;
    hash.update(bytes(text));
    return to_hex(hash.finish());
}

std::string md5_hex(std::string_view text) {
    Md5 hash;
    hash.update(bytes(text));
    return to_hex(hash.finish());
}

// FIPS 180-4 examples and the NIST long-message vector.
TEST(Sha256, MatchesTheStandardTestVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                         "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, SplitUpdatesGiveTheSameDigestAsOne) {
    const std::string message(1000, 'x');
    for (const std::size_t split : {0UL, 1UL, 55UL, 56UL, 63UL, 64UL, 65UL, 999UL}) {
        Sha256 hash;
        hash.update(bytes(std::string_view(message).substr(0, split)));
        hash.update(bytes(std::string_view(message).substr(split)));
        EXPECT_EQ(to_hex(hash.finish()), sha256_hex(message)) << "split at " << split;
    }
}

TEST(Sha256, ResetStartsOver) {
    Sha256 hash;
    hash.update(bytes("garbage"));
    static_cast<void>(hash.finish());
    hash.reset();
    hash.update(bytes("abc"));
    EXPECT_EQ(to_hex(hash.finish()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 1321 appendix A.5.
TEST(Md5, MatchesTheRfc1321TestSuite) {
    EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
    EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
    EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              "d174ab98d277d9f5a5611c2c9f419d9f");
    EXPECT_EQ(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890"
                      "1234567890"),
              "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, SplitUpdatesGiveTheSameDigestAsOne) {
    const std::string message(777, 'q');
    for (const std::size_t split : {1UL, 56UL, 64UL, 128UL, 776UL}) {
        Md5 hash;
        hash.update(bytes(std::string_view(message).substr(0, split)));
        hash.update(bytes(std::string_view(message).substr(split)));
        EXPECT_EQ(to_hex(hash.finish()), md5_hex(message)) << "split at " << split;
    }
}

TEST(HexText, IsLowerCaseTwoDigitsPerByte) {
    const std::uint8_t data[] = {0x00, 0x0f, 0xa0, 0xff};
    EXPECT_EQ(to_hex(data), "000fa0ff");
}

}  // namespace
}  // namespace sluice
