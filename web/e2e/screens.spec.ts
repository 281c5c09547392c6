// Every main screen at a phone's viewport (390×844) and a desktop's: it renders, has no
// serious or critical axe-core violation, can be used by keyboard (the skip link and the
// navigation take focus visibly), and is saved as a screenshot for the README.
import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, screenshot, signIn, signOut, signUp } from "./support";

const admin = process.env.TESSERA_ADMIN_EMAIL!;
const superAdmin = process.env.TESSERA_SUPER_ADMIN_EMAIL!;
const password = process.env.TESSERA_STAFF_PASSWORD!;

const VIEWPORTS = [
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: "desktop", viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false },
];

async function visit(page: Page, device: string, path: string, heading: string | RegExp, name: string) {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await expectAccessible(page, `${name} (${device})`);
  await screenshot(page, `${device}-${name}`);
}

for (const device of VIEWPORTS) {
  test(`every screen at ${device.name} size`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: device.viewport, isMobile: device.isMobile, hasTouch: device.hasTouch });
    const page = await context.newPage();
    await visit(page, device.name, "/login", "Sign in to Tessera", "login");
    await visit(page, device.name, "/signup", "Create your account", "signup");
    await signUp(page, `Screen ${device.name}`);
    await expect(page.getByRole("heading", { name: "Today's lesson" })).toBeVisible();

    // Keyboard: the first Tab reaches the skip link, which moves focus to the page.
    await page.keyboard.press("Tab");
    await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("main")).toBeFocused();

    await visit(page, device.name, "/learn", "Today's lesson", "today");
    await visit(page, device.name, "/learn/tutor", "Tutor", "tutor");
    await visit(page, device.name, "/learn/progress", "Your progress", "progress");
    await visit(page, device.name, "/learn/profile", "Profile", "profile");
    await signOut(page);

    await signIn(page, admin, password);
    await visit(page, device.name, "/console/ai", "AI spend", "ai-spend");
    await visit(page, device.name, "/console/safety", "Safety events", "safety");
    await visit(page, device.name, "/console/experiments", "Experiments", "experiments");
    await visit(page, device.name, "/console/classes", "Classes", "classes");
    await visit(page, device.name, "/console/alerts", "Struggle alerts", "alerts");
    await visit(page, device.name, "/console/content", "Content packs", "content");
    await visit(page, device.name, "/console/users", "Users and roles", "users");
    await visit(page, device.name, "/console/events", "Dead letters", "dead-letters");
    await signOut(page);

    await signIn(page, superAdmin, password);
    await visit(page, device.name, "/console/plugins", "Plugins", "plugins");

    // An unknown page is the app's own page, not the API's JSON.
    await page.goto("/no/such/page");
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await context.close();
  });
}
