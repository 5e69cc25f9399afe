import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { Builder, type WebDriver } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";

const script = new URL("../../../bundle/build.mjs", import.meta.url).href;

/** Debian's headless Chromium and its driver (overridable), or why the browser tests cannot run here. */
export const CHROMIUM = process.env.TANDEM_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMEDRIVER = process.env.TANDEM_CHROMEDRIVER ?? "/usr/bin/chromedriver";
export const missing: string | false = [CHROMIUM, CHROMEDRIVER].some((p) => !existsSync(p))
  && `headless Chromium not installed (${CHROMIUM}, ${CHROMEDRIVER}; apt-get install chromium chromium-driver): browser tests skipped`;

/** Headless Chromium driven over WebDriver by Debian's chromedriver (no browser download). */
export async function chromium(): Promise<WebDriver> {
  const options = new chrome.Options().setChromeBinaryPath(CHROMIUM);
  options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu");
  return new Builder().forBrowser("chrome").setChromeOptions(options)
    .setChromeService(new chrome.ServiceBuilder(CHROMEDRIVER)).build();
}

/**
 * A page of another origin than every node (so each call is a real cross-origin request, preflight and all) that
 * serves the browser bundle freshly built from the sources at `/tandem-client.js`.
 */
export async function pageServer(): Promise<{ url: string; close(): void }> {
  const { bundle } = await import(script) as { bundle(): Promise<Uint8Array> };
  const js = await bundle();
  const server: Server = createServer((req, res) => {
    if (req.url === "/tandem-client.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(js);
    } else {
      res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>tandem client test</title>");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}
