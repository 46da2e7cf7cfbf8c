// Wheel-scrolling the report table while every animation frame is checked: the one measure of
// "rows missing" that the e2e spec and the browser benchmark share.

/** Wheel-scrolls the table by `px` every 16 ms for `ms`. Gives each frame's time, how many
 * frames left part of the viewport without rows (a window of rows not yet come from the
 * worker), whether it was covered before, and the scroll position before and after. */
export async function wheelScroll(page, ms, px) {
  await page.locator(".viewport").scrollIntoViewIfNeeded();
  const box = await page.locator(".viewport").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const startTop = await page.evaluate(() => {
    const viewport = document.querySelector(".viewport");
    const s = (window.__wheel = { times: [], blank: 0, on: true });
    const covered = () => {
      const v = viewport.getBoundingClientRect();
      let px = 0;
      for (const row of viewport.querySelectorAll(".grid-row.body")) {
        const r = row.getBoundingClientRect();
        px += Math.max(0, Math.min(r.bottom, v.bottom) - Math.max(r.top, v.top));
      }
      return px >= Math.min(v.height, viewport.scrollHeight) - 41;
    };
    s.atRest = covered();
    const tick = (t) => {
      s.times.push(t);
      if (!covered()) s.blank++;
      if (s.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return viewport.scrollTop;
  });
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await page.mouse.wheel(0, px);
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  return page.evaluate((startTop) => {
    window.__wheel.on = false;
    const { times, blank, atRest } = window.__wheel;
    return { times, blank, atRest, startTop, top: document.querySelector(".viewport").scrollTop };
  }, startTop);
}
