#include "net/http_request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace roadsense::net {
namespace {

HttpRequest Request(std::string method, std::string target, HttpHeaders headers,
                    std::string body = "") {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

std::string Head(const HttpRequest& request) {
  std::string out = "left over";
  const Status status = WriteRequestHead(request, "example.com:8080", &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

TEST(WriteRequestHeadTest, GetWithoutBodyHasNoContentLength) {
  EXPECT_EQ(Head(Request("GET", "", {})), "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n");
}

TEST(WriteRequestHeadTest, EmptyPostSaysContentLengthZero) {
  EXPECT_EQ(Head(Request("POST", "/q", {})),
            "POST /q HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 0\r\n\r\n");
}

TEST(WriteRequestHeadTest, CallersHostAndContentLengthAreKept) {
  EXPECT_EQ(Head(Request("PUT", "/x?a=b", {{"content-length", "3"}, {"host", "h"}}, "abc")),
            "PUT /x?a=b HTTP/1.1\r\ncontent-length: 3\r\nhost: h\r\n\r\n");
}

TEST(WriteRequestHeadTest, RepeatedNamesJoinTheirGroupAlsoBeyondSixteenFields) {
  HttpHeaders headers;
  for (int i = 0; i < 20; ++i) headers.push_back({"X-" + std::to_string(i % 3), std::to_string(i)});
  std::string expected = "GET / HTTP/1.1\r\n";
  for (int group = 0; group < 3; ++group) {
    for (int i = group; i < 20; i += 3) {
      expected += "X-" + std::to_string(group) + ": " + std::to_string(i) + "\r\n";
    }
  }
  expected += "Host: example.com:8080\r\n\r\n";
  EXPECT_EQ(Head(Request("GET", "/", headers)), expected);
}

TEST(WriteRequestHeadTest, ValuesAreTrimmed) {
  EXPECT_EQ(Head(Request("GET", "/", {{"A", " \t v w \t"}})),
            "GET / HTTP/1.1\r\nA: v w\r\nHost: example.com:8080\r\n\r\n");
}

TEST(WriteRequestHeadTest, WhatWouldBreakTheFramingIsRejected) {
  const HttpRequest bad[] = {
      Request("GET", "/", {{"X", "a\r\nInjected: yes"}}),
      Request("GET", "/", {{"X", std::string("a\0b", 3)}}),
      Request("GET", "/", {{"X:Y", "v"}}),
      Request("GET", "/", {{"", "v"}}),
      Request("GET", "/", {{"X", std::string(70000, 'v')}}),
      Request("GET", "/a b", {}),
      Request("GET", "/\r\n", {}),
      Request("G T", "/", {}),
      Request("", "/", {}),
  };
  for (const HttpRequest& request : bad) {
    std::string out;
    const Status status = WriteRequestHead(request, "h", &out);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument)
        << request.method << " " << request.target;
  }
}

TEST(WriteRequestHeadTest, ABreakingByteIsFoundAtAnyPosition) {
  for (const char bad : {'\r', '\n', '\0'}) {
    for (size_t at = 0; at < 21; ++at) {
      std::string value(21, 'v');
      value[at] = bad;
      std::string out;
      EXPECT_EQ(WriteRequestHead(Request("GET", "/", {{"X", value}}), "h", &out).code(),
                StatusCode::kInvalidArgument)
          << static_cast<int>(bad) << " at " << at;
      std::string name(21, 'n');
      name[at] = bad;
      EXPECT_EQ(WriteRequestHead(Request("GET", "/", {{name, "v"}}), "h", &out).code(),
                StatusCode::kInvalidArgument)
          << static_cast<int>(bad) << " at " << at << " of the name";
    }
  }
  // Bytes next to the breaking ones in value (0x0c, 0x0e, 0x01, 0x8d, 0xff) are fine.
  std::string out;
  EXPECT_TRUE(
      WriteRequestHead(Request("GET", "/", {{"X", "\x0c\x0e\x01\x8d\x8a\xff\x0b\x09z"}}), "h", &out)
          .ok());
}

}  // namespace
}  // namespace roadsense::net
