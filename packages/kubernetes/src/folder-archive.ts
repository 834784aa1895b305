import { create as createTar } from 'tar';

export interface CopyInOptions {
  exclude?: (relativePath: string) => boolean;
}

/**
 * Writes `localDir` as a tar (gzipped with `gzip`) to `file`, minus what `exclude` leaves out.
 * Symbolic links go in as links, never as what they point to: a link in the repository to a file
 * of this machine (`secret -> /home/me/.ssh/id_rsa`) arrives in the pod as the same link, which
 * resolves there among the pod's own files. Everything that copies a folder into a pod packs it here.
 */
export async function archiveFolder(localDir: string, file: string, options: CopyInOptions & { gzip?: boolean } = {}): Promise<void> {
  const exclude = options.exclude;
  await createTar(
    {
      cwd: localDir,
      file,
      portable: true,
      follow: false,
      gzip: options.gzip === true,
      ...(exclude ? { filter: (path: string) => path === '.' || !exclude(path.replace(/^\.\//, '')) } : {}),
    },
    ['.'],
  );
}
