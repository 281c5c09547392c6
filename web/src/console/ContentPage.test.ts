import { describe, expect, it } from "vitest";
import { folderFiles } from "./ContentPage";

const file = (path: string, text: string) => Object.assign(new File([text], path.split("/").pop()!), { webkitRelativePath: path });

describe("folderFiles", () => {
  it("keys files by their path inside the chosen folder and leaves litter out", async () => {
    const files = await folderFiles([
      file("pack/pack.json", "{}"),
      file("pack/lessons/a.json", "[]"),
      file("pack/lessons/a/intro.md", "# Hi"),
      file("pack/.DS_Store", "x"),
      file("pack/lessons/.a.json.swp", "x"),
      file("pack/cover.png", "x"),
    ]);
    expect(files).toEqual({ "pack.json": "{}", "lessons/a.json": "[]", "lessons/a/intro.md": "# Hi" });
  });
});
