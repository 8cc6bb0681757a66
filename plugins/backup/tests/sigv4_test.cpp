// SigV4 against AWS's published example vectors: the GET-vanilla case of the SigV4 test
// suite and the three header-signing examples of the S3 API reference.
#include "digest.hpp"
#include "sigv4.hpp"

#include <gtest/gtest.h>

using namespace cc::backup;

namespace {
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const AwsCredentials kS3Example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
}  // namespace

TEST(SigV4, GetVanillaFromTheAwsTestSuite) {
  SigningRequest r;
  r.method = "GET";
  r.canonicalUri = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  r.payloadHash = kEmptyHash;
  auto s = signV4(r, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""}, "us-east-1", "service",
                  "20150830T123600Z");
  EXPECT_EQ(s.canonicalRequest,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + kEmptyHash);
  EXPECT_EQ(s.stringToSign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, S3PutObjectExample) {
  std::string payload = sha256Hex("Welcome to Amazon S3.");
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningRequest r;
  r.method = "PUT";
  r.canonicalUri = "/" + uriEncode("test$file.text", false);
  r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
               {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-date", "20130524T000000Z"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
               {"x-amz-content-sha256", payload}};
  r.payloadHash = payload;
  auto s = signV4(r, kS3Example, "us-east-1", "s3", "20130524T000000Z");
  EXPECT_EQ(s.canonicalRequest.substr(0, 22), "PUT\n/test%24file.text\n");
  EXPECT_EQ(s.signedHeaders, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(s.stringToSign.substr(s.stringToSign.rfind('\n') + 1),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(s.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, S3GetObjectWithRangeExample) {
  SigningRequest r;
  r.method = "GET";
  r.canonicalUri = "/test.txt";
  r.headers = {{"host", "examplebucket.s3.amazonaws.com"},
               {"range", "bytes=0-9"},
               {"x-amz-content-sha256", kEmptyHash},
               {"x-amz-date", "20130524T000000Z"}};
  r.payloadHash = kEmptyHash;
  EXPECT_EQ(signV4(r, kS3Example, "us-east-1", "s3", "20130524T000000Z").signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3ListObjectsExampleSortsAndEncodesTheQuery) {
  SigningRequest r;
  r.method = "GET";
  r.canonicalUri = "/";
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};
  r.headers = {{"host", "examplebucket.s3.amazonaws.com"},
               {"x-amz-content-sha256", kEmptyHash},
               {"x-amz-date", "20130524T000000Z"}};
  r.payloadHash = kEmptyHash;
  auto s = signV4(r, kS3Example, "us-east-1", "s3", "20130524T000000Z");
  EXPECT_NE(s.canonicalRequest.find("\nmax-keys=2&prefix=J\n"), std::string::npos);
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, AnotherSecretGivesAnotherSignature) {
  SigningRequest r{"GET", "/", {}, {{"host", "h"}, {"x-amz-date", "20150830T123600Z"}}, kEmptyHash};
  EXPECT_NE(signV4(r, {"A", "one", ""}, "us-east-1", "s3", "20150830T123600Z").signature,
            signV4(r, {"A", "two", ""}, "us-east-1", "s3", "20150830T123600Z").signature);
}

TEST(SigV4, UriEncodingFollowsRfc3986) {
  EXPECT_EQ(uriEncode("a b+c", true), "a%20b%2Bc");
  EXPECT_EQ(uriEncode("dir/file~_-.gz", false), "dir/file~_-.gz");
  EXPECT_EQ(uriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(uriEncode("\xc3\xa9", true), "%C3%A9");
}

TEST(SigV4, AmzDateIsCompactUtc) { EXPECT_EQ(amzDate(1440938160), "20150830T123600Z"); }

// Multipart upload requests carry their operation in the query: `?uploads` signs as
// "uploads=" (an empty value keeps its '='), and parameters sort by byte order.
TEST(SigV4, CanonicalQueryOfCreateMultipartUpload) {
  SigningRequest r{"POST", "/backups/a.gz", {{"uploads", ""}}, {{"host", "h"}, {"x-amz-date", "20150830T123600Z"}},
                   kEmptyHash};
  auto s = signV4(r, kS3Example, "us-east-1", "s3", "20150830T123600Z");
  EXPECT_EQ(s.canonicalRequest.substr(0, s.canonicalRequest.find("\nhost:")), "POST\n/backups/a.gz\nuploads=");
}

TEST(SigV4, CanonicalQueryOfUploadPartIsSortedAndEncoded) {
  SigningRequest r{"PUT", "/backups/a.gz", {{"uploadId", "x/y+z"}, {"partNumber", "1"}},
                   {{"host", "h"}, {"x-amz-date", "20150830T123600Z"}}, kEmptyHash};
  auto s = signV4(r, kS3Example, "us-east-1", "s3", "20150830T123600Z");
  EXPECT_EQ(s.canonicalRequest.substr(0, s.canonicalRequest.find("\nhost:")),
            "PUT\n/backups/a.gz\npartNumber=1&uploadId=x%2Fy%2Bz");
}
