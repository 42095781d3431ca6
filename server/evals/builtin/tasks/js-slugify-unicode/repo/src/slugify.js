/** A URL slug for a title: lower-case ASCII letters and digits separated by single dashes. */
export function slugify(title) {
  return title.toLowerCase().replace(/[^a-z0-9]/g, '-');
}
