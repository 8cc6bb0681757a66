#include "core/auth/password.hpp"

#include <argon2.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <regex>
#include <set>
#include <string>

using namespace std::string_literals;

namespace cc::core {
namespace {

// argon2 encodes salt and hash as unpadded standard base64: 16 bytes -> 22 chars, 32 -> 43.
const std::regex kOwaspPhc(R"(^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");

std::string saltOf(const std::string& phc) {
  auto end = phc.rfind('$');
  auto begin = phc.rfind('$', end - 1);
  return phc.substr(begin + 1, end - begin - 1);
}

TEST(PasswordHash, UsesArgon2idWithOwaspParametersAndPhcFormat) {
  std::string hash = hashPassword("correct horse battery staple");
  EXPECT_TRUE(std::regex_match(hash, kOwaspPhc)) << hash;
  EXPECT_EQ(hash.find('\0'), std::string::npos);
}

TEST(PasswordHash, IsUnderstoodByLibargon2Itself) {
  // An independent check that the string is a real argon2id hash of this password.
  std::string hash = hashPassword("s3cret");
  EXPECT_EQ(argon2id_verify(hash.c_str(), "s3cret", 6), ARGON2_OK);
  EXPECT_NE(argon2id_verify(hash.c_str(), "s3creT", 6), ARGON2_OK);
}

TEST(PasswordHash, VerifyAcceptsTheRightPasswordOnly) {
  std::string hash = hashPassword("hunter2");
  EXPECT_TRUE(verifyPassword("hunter2", hash));
  EXPECT_FALSE(verifyPassword("Hunter2", hash));
  EXPECT_FALSE(verifyPassword("hunter2 ", hash));
  EXPECT_FALSE(verifyPassword("hunter", hash));
  EXPECT_FALSE(verifyPassword("", hash));
}

TEST(PasswordHash, EmptyPasswordIsHashedLikeAnyOther) {
  std::string hash = hashPassword("");
  EXPECT_TRUE(std::regex_match(hash, kOwaspPhc));
  EXPECT_TRUE(verifyPassword("", hash));
  EXPECT_FALSE(verifyPassword(" ", hash));
}

TEST(PasswordHash, EmbeddedNulIsPartOfThePassword) {
  // Catches an implementation that passes c_str() with strlen semantics.
  std::string hash = hashPassword("abc\0def"s);
  EXPECT_TRUE(verifyPassword("abc\0def"s, hash));
  EXPECT_FALSE(verifyPassword("abc", hash));
}

TEST(PasswordHash, RandomSaltMakesTwoHashesOfOnePasswordDiffer) {
  std::string a = hashPassword("same password");
  std::string b = hashPassword("same password");
  EXPECT_NE(a, b);
  EXPECT_NE(saltOf(a), saltOf(b));
  EXPECT_TRUE(verifyPassword("same password", a));
  EXPECT_TRUE(verifyPassword("same password", b));
}

TEST(PasswordHash, MalformedHashesAreRejectedWithoutThrowing) {
  std::string good = hashPassword("pw");
  std::string tamperedDigest = good;
  tamperedDigest.back() = tamperedDigest.back() == 'A' ? 'B' : 'A';
  const std::string inputs[] = {
      "",
      "garbage",
      "$argon2id$",
      "$argon2id$v=19$m=19456,t=2,p=1$",
      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$",
      "$argon2id$v=19$m=notanumber,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
      good.substr(0, good.size() - 5),
      good + "AAAA",
      tamperedDigest,
      good + "\0junk"s,
  };
  for (const auto& hash : inputs) {
    bool ok = true;
    EXPECT_NO_THROW(ok = verifyPassword("pw", hash)) << hash;
    EXPECT_FALSE(ok) << hash;
  }
  EXPECT_TRUE(verifyPassword("pw", good));  // the base hash itself was fine
}

TEST(PasswordHash, OtherArgon2VariantsAreNotAccepted) {
  // A stored argon2i hash must not verify: only argon2id is ever written, so anything else
  // is a downgrade or a foreign value.
  const char salt[] = "0123456789abcdef";
  char encoded[256];
  ASSERT_EQ(argon2i_hash_encoded(2, 19456, 1, "pw", 2, salt, 16, 32, encoded, sizeof encoded), ARGON2_OK);
  ASSERT_EQ(argon2i_verify(encoded, "pw", 2), ARGON2_OK);  // the fixture really is valid argon2i
  EXPECT_FALSE(verifyPassword("pw", encoded));
}

TEST(DummyPasswordHash, IsAStableRealHashThatMatchesNothingObvious) {
  const std::string& dummy = dummyPasswordHash();
  std::string firstValue = dummy;
  EXPECT_EQ(&dummy, &dummyPasswordHash());        // one object...
  EXPECT_EQ(firstValue, dummyPasswordHash());     // ...computed once, not per call
  EXPECT_TRUE(std::regex_match(dummy, kOwaspPhc)) << dummy;  // same cost as a real hash
  EXPECT_FALSE(verifyPassword("", dummy));
  EXPECT_FALSE(verifyPassword("password", dummy));
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_TRUE(constantTimeEquals("secret", "secret"));
  EXPECT_TRUE(constantTimeEquals("a\0b"s, "a\0b"s));
  EXPECT_FALSE(constantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(constantTimeEquals("secret", "Secret"));
  EXPECT_FALSE(constantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(constantTimeEquals("secret", "secre"));
  EXPECT_FALSE(constantTimeEquals("", "x"));
  EXPECT_FALSE(constantTimeEquals("a\0b"s, "a\0c"s));  // no strcmp-style stop at NUL
  EXPECT_FALSE(constantTimeEquals("\x80", "\x00"s));
}

bool isLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RandomHex, HasTwoLowercaseHexCharsPerByte) {
  for (std::size_t n : {0u, 1u, 16u, 32u, 1000u}) {
    std::string hex = randomHex(n);
    EXPECT_EQ(hex.size(), 2 * n);
    EXPECT_TRUE(isLowerHex(hex)) << hex;
  }
}

TEST(RandomHex, ValuesDifferAndAreNotConstant) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(randomHex(16));
  EXPECT_EQ(seen.size(), 50u);

  // More than getrandom's 256-byte single-call guarantee: every byte must still be filled.
  // 2000 hex digits of real randomness use all 16 digits and are not all zero.
  std::string big = randomHex(1000);
  EXPECT_EQ(std::set<char>(big.begin(), big.end()).size(), 16u);
  EXPECT_NE(big.substr(1800), std::string(200, '0'));
}

// The process's allocator policy (set once in main): blocks of 4 MiB and more (argon2's)
// go back to the system on free, but freed heap memory below 8 MiB stays for reuse. With
// glibc's trim threshold left at 128 KiB, every SQLite commit's freed page buffers were
// handed back with madvise(2) and faulted in again on the next request.
TEST(AllocatorPolicy, FreedHeapMemoryIsKeptForReuse) {
  returnHashMemoryAfterUse();
  ::malloc_trim(0);  // what earlier tests left free at the heap's top goes first
  constexpr std::size_t kBlock = 3 * 1024 * 1024;  // below the mmap threshold: heap memory
  auto* block = static_cast<char*>(std::malloc(kBlock));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBlock);
  const auto grown = mallinfo2().arena;
  std::free(block);
  EXPECT_EQ(mallinfo2().arena, grown) << "the heap gave freed memory back to the system";
}

}  // namespace
}  // namespace cc::core
