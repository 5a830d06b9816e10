/** The PiCloud mark (resources/icon.svg), inline so it costs no request. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg viewBox="0 0 256 256" width={size} height={size} aria-hidden="true" focusable="false">
      <rect width="256" height="256" rx="56" fill="#1f6feb" />
      <path d="M78 182a42 42 0 0 1-4-84 58 58 0 0 1 110-10 44 44 0 0 1 2 94z" fill="#fff" />
      <path
        d="M100 122h62M114 122v44M146 122v36q0 8 8 8"
        stroke="#1f6feb"
        stroke-width="12"
        stroke-linecap="round"
        fill="none"
      />
    </svg>
  );
}
