import ReactMarkdown from "react-markdown";

/** Lesson text (Markdown from content packs or a model's tone rewrite). Raw HTML in it is
 * shown as text, never run: react-markdown builds elements, it does not inject HTML.
 * Its headings sit below the page's own (`#` becomes an h3), and a first heading that only
 * repeats `title` (the step's, already shown) is dropped. */
export function Markdown({ text, title }: { text: string; title?: string }) {
  let body = text;
  if (title) {
    const first = body.match(/^\s*#{1,6}\s+(.+?)\s*(\n|$)/);
    if (first && first[1]!.trim().toLowerCase() === title.trim().toLowerCase()) body = body.slice(first[0].length);
  }
  return (
    <div className="markdown">
      <ReactMarkdown
        components={{
          h1: ({ children }) => <h3>{children}</h3>,
          h2: ({ children }) => <h4>{children}</h4>,
          h3: ({ children }) => <h5>{children}</h5>,
          h4: ({ children }) => <h6>{children}</h6>,
        }}
      >
        {body}
      </ReactMarkdown>
    </div>
  );
}
