import { describe, expect, test } from "vitest";
import { CommandError, toIpcError } from "./ipc";

describe("toIpcError", () => {
  test("the backend's typed error passes through", () => {
    const e = { kind: "refused", message: "not one of this link's healthy targets", reason: "not-a-candidate" } as const;
    expect(toIpcError(e)).toEqual(e);
    expect(toIpcError(new CommandError(e))).toEqual(e);
  });

  test("anything else is an internal error with its words, never a blank", () => {
    expect(toIpcError(new Error("boom"))).toEqual({ kind: "internal", message: "boom", reason: null });
    expect(toIpcError("command rescan not found")).toEqual({ kind: "internal", message: "command rescan not found", reason: null });
    expect(toIpcError(undefined).message).not.toBe("");
  });
});
