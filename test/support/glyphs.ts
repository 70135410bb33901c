import type { Page } from 'playwright-core';

/**
 * The alpha channel of `text` drawn on an 80×80 canvas in the CSS `font`, as a string to compare:
 * two different characters drawn alike are the same missing-glyph box (tofu).
 */
export async function glyphPixels(page: Page, font: string, text: string): Promise<string> {
  return page.evaluate(
    ([font, text]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 80;
      canvas.height = 80;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d context');
      context.font = font;
      context.fillText(text, 8, 60);
      return Array.from(context.getImageData(0, 0, 80, 80).data.filter((_, i) => i % 4 === 3)).join(',');
    },
    [font, text] as const,
  );
}
