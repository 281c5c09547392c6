import ReactMarkdown from "react-markdown";

/** Lesson text (Markdown from content packs or a model's tone rewrite). Raw HTML in it is
 * shown as text, never run: react-markdown builds elements, it does not inject HTML. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown>{text}</ReactMarkdown>
    </div>
  );
}
