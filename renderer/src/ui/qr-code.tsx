/** A QR code of a URL, for opening an endpoint on a phone. The encoder loads on first use. */
import { useEffect, useState } from 'preact/hooks';

export function QrCode({ text, size = 200 }: { text: string; size?: number }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    import('uqr').then(({ renderSVG }) => {
      // Always dark on light: phone cameras read inverted codes poorly, whatever the panel's theme.
      if (live) setSvg(renderSVG(text, { border: 2, whiteColor: '#ffffff', blackColor: '#000000' }));
    });
    return () => {
      live = false;
    };
  }, [text]);
  if (!svg) return <div style={{ width: size, height: size }} aria-busy="true" />;
  return (
    <img
      class="qr"
      width={size}
      height={size}
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt={`QR code for ${text}`}
    />
  );
}
