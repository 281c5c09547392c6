// Starts GraphiQL on /graphql (a file of its own: the page's CSP allows no inline script).
// Sign in through /api/v1/auth/login, then add {"Authorization": "Bearer <token>"} in the
// headers tab.
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({
      url: new URL("/graphql", window.location.origin).toString(),
    }),
    defaultEditorToolsVisibility: true,
  }),
);
