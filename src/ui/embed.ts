// Embed mode (`embed=1` in the link, design.md "Later contracts"): the views and the playback
// controls without the editing chrome, for an iframe in slides or documentation. Read from the
// query or the hash, so that a share link with `&embed=1` appended embeds too.
export function isEmbed(loc: { readonly search: string; readonly hash: string }): boolean {
  const has = (s: string) => new URLSearchParams(s.replace(/^[?#]/, '')).get('embed') === '1';
  return has(loc.search) || has(loc.hash);
}
