import { describe, expect, it } from "vitest";
import { IdpError, IdpHttp, nextLink, pathSegment } from "../../src/idp/http.js";
import { createLogger } from "../../src/log.js";

describe("IdP wire", () => {
  it("reads rel=next out of a Link header, whichever order and form", () => {
    expect(
      nextLink({
        link: '<https://o.okta.com/api/v1/apps/a/groups?limit=2>; rel="self", <https://o.okta.com/api/v1/apps/a/groups?after=00g2&limit=2>; rel="next"',
      }),
    ).toBe("https://o.okta.com/api/v1/apps/a/groups?after=00g2&limit=2");
    expect(nextLink({ link: ["<https://x/1>; rel=self", "<https://x/2>; rel=next"] })).toBe("https://x/2");
    expect(nextLink({ link: '<https://x/1>; rel="self"' })).toBeNull();
    expect(nextLink({})).toBeNull();
  });

  it("escapes a path segment only where it must: an email keeps its @ and +", () => {
    expect(pathSegment("fay.lee+gong@acme.example")).toBe("fay.lee+gong@acme.example");
    expect(pathSegment("a/b?c#d e%")).toBe("a%2Fb%3Fc%23d%20e%25");
  });

  it("never sends its token to a next-page link on another origin", async () => {
    let asked = 0;
    const http = new IdpHttp({
      vendor: "Okta",
      baseUrl: "http://127.0.0.1:9",
      authorize: async () => {
        asked++;
        return { authorization: "SSWS secret" };
      },
      retryAfter: () => null,
      log: createLogger({ sink: () => {} }),
    });
    const sent = http.send({
      method: "GET",
      path: "https://elsewhere.example/api/v1/groups",
      endpoint: "GET x",
    });
    await expect(sent).rejects.toBeInstanceOf(IdpError);
    await expect(sent).rejects.toThrow(/elsewhere\.example.*sends its token nowhere else/);
    expect(asked).toBe(0);
    await http.close();
  });
});
