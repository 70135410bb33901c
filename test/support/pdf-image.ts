import { renderPageAsImage } from 'unpdf';

/**
 * Renders one page of a PDF to PNG bytes with pdf.js (through unpdf) on a Skia canvas
 * (@napi-rs/canvas, a binary shipped inside its npm package): no system tool, no system font —
 * pdf.js draws the fonts embedded in the PDF.
 */
export async function renderPdfPage(pdf: Uint8Array, page: number, scale = 1.5): Promise<Buffer> {
  const png = await renderPageAsImage(new Uint8Array(pdf), page, {
    canvasImport: () => import('@napi-rs/canvas'),
    scale,
  });
  return Buffer.from(png);
}
